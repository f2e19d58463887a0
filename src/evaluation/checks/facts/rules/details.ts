/**
 * Invented garment details: collars, necklines, sleeves, pockets, closures,
 * linings, hoods, lengths and fits the record does not have and the kind of
 * garment does not imply. A detail of another garment, or one the text
 * denies ("no pockets"), is not the product's.
 */
import { isForeign, isNegated, textOf, tokenFinding, type CheckContext } from '../context.js';
import type { FactFinding } from '../types.js';

export function detailFindings(ctx: CheckContext): FactFinding[] {
  const { profile } = ctx;
  const { tokens } = ctx.doc;
  const out: FactFinding[] = [];
  for (const m of ctx.matches.detail) {
    if (m.payload.type !== 'detail' || isForeign(ctx, m) || isNegated(ctx, m, 3)) continue;
    const { group, term } = m.payload;
    const has = profile.details.has(group.name);
    const words = tokens.slice(m.start, m.end).map((t) => t.stem);
    if (profile.phrases.has(words.join(' '))) continue;
    // A term whose group the record has and whose every word it uses: "sunray pleats" for a "Sunray Pleated" skirt.
    if (term && has && words.every((w) => profile.phrases.has(w))) continue;
    if (
      term
        ? term.forms.some((f) => profile.phrases.has(f)) || (group.onlyAgainstRecord && !has)
        : has || group.onlyAgainstRecord
    )
      continue;
    const recorded = profile.details.get(group.name) ?? [];
    const said = textOf(ctx, m.start, m.end);
    const message = recorded.length
      ? `"${said}" is not in the product's record, which says ${recorded.join(', ')}.`
      : `"${said}" is not in the product's record.`;
    out.push(
      tokenFinding(ctx, 'INVENTED_DETAIL', m.start, m.end, message, recorded.length ? recorded.join(', ') : null),
    );
  }
  return out;
}
