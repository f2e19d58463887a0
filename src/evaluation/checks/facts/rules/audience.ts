/**
 * Audience: kids' products sent to the office or a night out, men's
 * products described for "her", women's for "him", adults' for children.
 * A cue the record itself uses (an attribute "office") is fine.
 */
import { textOf, tokenFinding, type CheckContext } from '../context.js';
import type { Audience } from '../record.js';
import type { FactFinding } from '../types.js';
import type { AudienceCue } from '../vocabulary.js';

const WRONG_FOR: Record<AudienceCue, readonly Audience[]> = {
  adultOccasion: ['kids'],
  female: ['men'],
  male: ['women'],
  child: ['women', 'men', 'unisex'],
};

const WHY: Record<AudienceCue, string> = {
  adultOccasion: 'is an adult occasion',
  female: 'speaks of a woman',
  male: 'speaks of a man',
  child: 'speaks of children',
};

const LEAD = new Set(['the', 'a', 'an', 'for', 'to', 'at', 'from', 'after']);

const NAME: Record<Audience, string> = {
  kids: "a kids' product",
  men: "a men's product",
  women: "a women's product",
  unisex: 'an adult product',
};

export function audienceFindings(ctx: CheckContext): FactFinding[] {
  const { profile } = ctx;
  const audience = profile.audience;
  if (!audience) return [];
  const out: FactFinding[] = [];
  for (const m of ctx.matches.audience) {
    if (m.payload.type !== 'audience' || !WRONG_FOR[m.payload.cue].includes(audience)) continue;
    // The record says it ("office" for "the office").
    const words = ctx.doc.tokens.slice(m.start, m.end).map((t) => t.stem);
    // Leading words dropped, never the last.
    const from = words.findIndex((w, i) => i === words.length - 1 || !LEAD.has(w));
    if (profile.phrases.has(words.slice(from).join(' '))) continue;
    out.push(
      tokenFinding(
        ctx,
        'AUDIENCE_MISMATCH',
        m.start,
        m.end,
        `"${textOf(ctx, m.start, m.end)}" ${WHY[m.payload.cue]}, and this is ${NAME[audience]}.`,
        profile.product.gender ?? audience,
      ),
    );
  }
  return out;
}
