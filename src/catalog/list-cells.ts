/**
 * How a CSV cell holds a list (product_metadata, colors, sizes, materials).
 * Items are separated by `,`, `;` or `|`. A material composition is one
 * item, though, commas and all: "50% wool, 30% alpaca, 20% nylon" is one
 * material, so that each percentage stays with its fibre for the fact
 * checks that compare a description's claims with the product.
 */

const SEPARATORS = /[,;|]/;
/** A part that opens with a share: "50% wool", "12.5 % elastane". */
const SHARE = /^(\d{1,3}(?:\.\d+)?)\s*%/;

const parts = (value: string, separators: RegExp): string[] =>
  value
    .split(separators)
    .map((s) => s.trim())
    .filter(Boolean);

/** The items of a list cell, trimmed, empty ones dropped. */
export function splitList(value: string | undefined): string[] {
  return parts(value ?? '', SEPARATORS);
}

/**
 * The items of a materials cell. `;` and `|` always separate; after a comma,
 * a part that opens with a percentage joins the composition before it until
 * the shares reach 100 ("50% wool, 50% alpaca, cotton lining" is two
 * materials: the composition, then the lining). Any other part is a
 * material of its own, as in splitList.
 */
export function splitMaterials(value: string | undefined): string[] {
  const materials: string[] = [];
  for (const group of parts(value ?? '', /[;|]/)) {
    // The share so far of the composition that the last item is, or null when it is none (or complete).
    let open: number | null = null;
    for (const part of parts(group, /,/)) {
      const share = SHARE.exec(part);
      const percent = share ? Number(share[1]) : null;
      if (percent !== null && open !== null) {
        // open is set only after a push in this group, so there is a last item.
        const last = materials.pop();
        materials.push(last === undefined ? part : `${last}, ${part}`);
        open += percent;
      } else {
        materials.push(part);
        open = percent;
      }
      // 33.3 + 33.3 + 33.4 is a whole composition, though not exactly 100 in floating point.
      if (open !== null && open > 99.999) open = null;
    }
  }
  return materials;
}
