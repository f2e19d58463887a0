/**
 * Prices the text states that differ from the record's. Discount and sale
 * wording is a claim (claims.json, DISCOUNT_CLAIM); this rule reads amounts:
 * "£75", "79 euros", "priced at 89", with "under"/"from" read as bounds.
 */
import { charFinding, type CheckContext } from '../context.js';
import type { FactFinding } from '../types.js';

const AMOUNT =
  /(?:[£$€]\s?(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?))|(?:\b(\d+(?:\.\d{1,2})?)\s?(?:EUR|USD|GBP|euros?|dollars?|pounds?)\b)|(?:\b(?:priced at|retails? (?:at|for)|costs?|yours for|for just|for only)\s+(\d+(?:\.\d{1,2})?)\b(?!\s*(?:%|cm|mm|-inch|inch|in\b)))/gi;
const BELOW = /\b(?:under|less than|below|up to|no more than)\s*$/i;
const FROM = /\b(?:from|starting at)\s*$/i;
// A former price is a discount claim (DISCOUNT_CLAIM), not a price of now.
const FORMER = /\b(?:was|down from|reduced from|previously|originally|rrp)\s*$/i;
const CENT = 0.005;

export function priceFindings(ctx: CheckContext): FactFinding[] {
  const { text } = ctx.doc;
  const price = ctx.profile.product.price ?? null;
  const out: FactFinding[] = [];
  for (const m of text.matchAll(AMOUNT)) {
    // Each of AMOUNT's alternatives captures the figure in one group.
    const figure = m[1] ?? m[2] ?? m[3];
    if (figure === undefined) throw new Error(`price check: no figure captured in "${m[0]}"`);
    const amount = Number(figure.replace(/,/g, ''));
    const before = text.slice(Math.max(0, m.index - 24), m.index);
    if (FORMER.test(before)) continue;
    const start = m.index;
    const end = m.index + m[0].length;
    if (price === null) {
      out.push(
        charFinding(
          'PRICE_MISMATCH',
          start,
          end,
          `"${m[0]}": the product's record has no price, so this cannot be confirmed.`,
          null,
          false,
        ),
      );
      continue;
    }
    const ok = BELOW.test(before)
      ? price <= amount + CENT
      : FROM.test(before)
        ? price >= amount - CENT
        : Math.abs(price - amount) < CENT;
    if (!ok)
      out.push(
        charFinding(
          'PRICE_MISMATCH',
          start,
          end,
          `"${m[0]}" disagrees with the record's price (${price}).`,
          String(price),
        ),
      );
  }
  return out;
}
