/**
 * Claims the record does not support: care, origin, performance, durability,
 * guarantees, environmental and ethical claims, discounts. A claim is
 * supported when the record (or the product's kind) says it; a qualifier of
 * a material ("recycled cotton") only when the record says it of that material.
 */
import { isForeign, textOf, tokenFinding, type CheckContext } from '../context.js';
import { qualifiedMaterials } from '../readings.js';
import { tokenAt } from '../text.js';
import { CLAIM_CODES, type ClaimGroup, type FactFinding } from '../types.js';

const WHAT: Record<ClaimGroup, string> = {
  care: 'Care instructions',
  origin: 'Where or how it is made',
  performance: 'A performance claim',
  durability: 'A durability promise',
  guarantee: 'A guarantee',
  environmental: 'An environmental or ethical claim',
  discount: 'A price reduction or offer',
};

export function claimFindings(ctx: CheckContext): FactFinding[] {
  const { profile } = ctx;
  const { tokens } = ctx.doc;
  const out: FactFinding[] = [];
  for (const m of ctx.matches.claim) {
    if (m.payload.type !== 'claim' || isForeign(ctx, m)) continue;
    const { claim } = m.payload;
    const said = tokens
      .slice(m.start, m.end)
      .map((t) => t.stem)
      .join(' ');
    // "recycled cotton": the record must say it of that material, not of another.
    const next =
      claim.group === 'environmental'
        ? ctx.matches.material.find((x) => x.start === m.end || (x.start <= m.start && m.end <= x.end))
        : undefined;
    const of = next ? qualifiedMaterials(ctx.doc, m, [next]) : [];
    const supported = of.length
      ? of.some((material) => profile.qualified.has(`${said}|${material.name}`))
      : profile.phrases.has(said) || claim.supportedBy.some((p) => profile.phrases.has(p));
    if (supported) continue;
    // "30% off": the figure belongs to the claim.
    const before = tokens[m.start - 1];
    const figure = tokenAt(ctx.doc, m.start).raw === '%' && before && /^\d/.test(before.raw) ? m.start - 1 : m.start;
    const start = next && of.length ? Math.min(figure, next.start) : figure;
    const end = next && of.length ? Math.max(m.end, next.end) : m.end;
    out.push(
      tokenFinding(
        ctx,
        CLAIM_CODES[claim.group],
        start,
        end,
        `${WHAT[claim.group]} the product's record does not support: "${textOf(ctx, start, end)}".`,
        null,
      ),
    );
  }
  return out;
}
