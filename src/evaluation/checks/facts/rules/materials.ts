/**
 * Materials and composition: a material the record lacks, a percentage that
 * differs from the record's, percentages that do not add up to 100, and one
 * part of a blend stated as the whole ("made of 25% spandex").
 */
import { isForeign, isNegated, listed, textOf, tokenFinding, type CheckContext } from '../context.js';
import { percentPairs } from '../readings.js';
import type { CompositionItem } from '../record.js';
import type { PhraseMatch } from '../phrases.js';
import { sameSentence } from '../text.js';
import type { FactFinding } from '../types.js';
import type { Entry, Material } from '../vocabulary.js';

// Words that may join the parts of one stated composition: "98% cotton and 2% elastane".
const JOINS = new Set(['and', 'plus', 'with']);
const TOLERANCE = 0.5;

export function materialFindings(ctx: CheckContext): FactFinding[] {
  const { profile } = ctx;
  const known = (profile.product.materials ?? []).length > 0;
  const expected = listed(profile.product.materials);
  // "without the itch of wool" names a material the product does not have, as it should.
  const materials = ctx.matches.material.filter((m) => !isForeign(ctx, m) && !isNegated(ctx, m, 3));
  const out: FactFinding[] = [];
  for (const m of materials) {
    if (m.payload.type !== 'material' || profile.materialNames.has(m.payload.material.name)) continue;
    const said = textOf(ctx, m.start, m.end);
    const message = known
      ? `"${said}" is not among this product's materials (${expected}).`
      : `"${said}": the product's record names no materials, so this cannot be confirmed.`;
    out.push(tokenFinding(ctx, 'MATERIAL_NOT_IN_RECORD', m.start, m.end, message, expected, known));
  }
  return [...out, ...compositionFindings(ctx, materials)];
}

/** The record's items for a material the text names: the same material, or one of its kinds ("wool" finds merino). */
const itemsFor = (composition: readonly CompositionItem[], material: Material): CompositionItem[] =>
  composition.filter((item) => item.material.names.has(material.name));

/** The record's percentages for the items: stated ones, and 100 for the only material of a part. */
function recordPercentages(
  composition: readonly CompositionItem[],
  items: readonly CompositionItem[],
): Array<{ item: CompositionItem; pct: number }> {
  return items.flatMap((item) => {
    if (item.pct !== null) return [{ item, pct: item.pct }];
    return composition.filter((other) => other.part === item.part).length === 1 ? [{ item, pct: 100 }] : [];
  });
}

type PercentPair = ReturnType<typeof percentPairs>[number];
/** Pairs of one stated composition; never empty. */
type PairGroup = [PercentPair, ...PercentPair[]];

/** The record's materials entry an item came from, as written. */
const partText = (ctx: CheckContext, item: CompositionItem | undefined): string | null =>
  item ? (ctx.profile.product.materials?.[item.part] ?? null) : null;

/** Whether a whole-fabric cue ("made of", "is") ends right before token `at`, in its sentence. */
function wholeCueBefore(ctx: CheckContext, at: number): boolean {
  return ctx.matches.cue.some(
    (c) =>
      c.payload.type === 'cue' &&
      c.payload.cue === 'whole' &&
      c.end <= at &&
      at - c.end <= 1 &&
      sameSentence(ctx.doc, c.end - 1, at),
  );
}

/** The pairs grouped into stated compositions: consecutive pairs of one sentence joined only by "and", "plus" or "with". */
function compositionGroups(ctx: CheckContext, pairs: readonly PercentPair[]): PairGroup[] {
  const { tokens } = ctx.doc;
  const groups: PairGroup[] = [];
  let group: PairGroup | undefined;
  let last: PercentPair | undefined;
  for (const pair of pairs) {
    if (
      group &&
      last &&
      sameSentence(ctx.doc, last.start, pair.start) &&
      tokens.slice(last.end, pair.start).every((t) => JOINS.has(t.lower))
    )
      group.push(pair);
    else groups.push((group = [pair]));
    last = pair;
  }
  return groups;
}

/** A stated percentage of a material that differs from every percentage the record gives it. */
function mismatchFindings(ctx: CheckContext, pairs: readonly PercentPair[]): FactFinding[] {
  const { composition } = ctx.profile;
  const out: FactFinding[] = [];
  for (const pair of pairs) {
    const items = itemsFor(composition, pair.material);
    const stated = recordPercentages(composition, items);
    if (stated.length === 0 || stated.some((s) => Math.abs(s.pct - pair.pct) <= TOLERANCE)) continue;
    const want = [...new Set(stated.map((s) => `${s.pct}% ${s.item.material.name}`))].join(', ');
    out.push(
      tokenFinding(
        ctx,
        'COMPOSITION_MISMATCH',
        pair.start,
        pair.end,
        `"${textOf(ctx, pair.start, pair.end)}" disagrees with the record, which says ${want}.`,
        want,
      ),
    );
  }
  return out;
}

/** A composition that does not add up to 100%, or a lone percentage given as the whole fabric of a blend. */
function groupFindings(ctx: CheckContext, groups: readonly PairGroup[]): FactFinding[] {
  const { profile } = ctx;
  const { composition } = profile;
  const out: FactFinding[] = [];
  for (const group of groups) {
    const [first] = group;
    const last = group.at(-1) ?? first;
    if (group.length >= 2) {
      const sum = group.reduce((s, p) => s + p.pct, 0);
      if (Math.abs(sum - 100) > TOLERANCE) {
        out.push(
          tokenFinding(
            ctx,
            'COMPOSITION_TOTAL',
            first.start,
            last.end,
            `These percentages add up to ${sum}%, not 100%.`,
            listed(profile.product.materials),
          ),
        );
      }
      continue;
    }
    const [item] = itemsFor(composition, first.material);
    const parts = item ? composition.filter((c) => c.part === item.part) : [];
    if (item && first.pct < 100 - TOLERANCE && parts.length > 1 && wholeCueBefore(ctx, first.start)) {
      const whole = partText(ctx, item);
      out.push(
        tokenFinding(
          ctx,
          'COMPOSITION_PARTIAL',
          first.start,
          first.end,
          `"${textOf(ctx, first.start, first.end)}" is only part of the fabric: the record says ${whole}.`,
          whole,
        ),
      );
    }
  }
  return out;
}

/** "made of spandex" for a blend that is mostly something else. */
function minorPartFindings(
  ctx: CheckContext,
  materials: readonly PhraseMatch<Entry>[],
  pairs: readonly PercentPair[],
): FactFinding[] {
  const { composition } = ctx.profile;
  const out: FactFinding[] = [];
  for (const m of materials) {
    if (
      m.payload.type !== 'material' ||
      pairs.some((p) => p.start <= m.start && m.end <= p.end) ||
      !wholeCueBefore(ctx, m.start)
    )
      continue;
    const items = itemsFor(composition, m.payload.material).filter((i) => i.pct !== null);
    const [item] = items;
    const part = item ? composition.filter((c) => c.part === item.part) : [];
    const nextIsMaterial = materials.some(
      (o) => o !== m && o.start > m.end - 1 && o.start <= m.end + 1 && sameSentence(ctx.doc, o.start, m.start),
    );
    if (!item || part.length < 2 || nextIsMaterial || items.every((i) => (i.pct ?? 100) >= 50)) continue;
    const whole = partText(ctx, item);
    out.push(
      tokenFinding(
        ctx,
        'COMPOSITION_PARTIAL',
        m.start,
        m.end,
        `"${textOf(ctx, m.start, m.end)}" is only a small part of the fabric: the record says ${whole}.`,
        whole,
      ),
    );
  }
  return out;
}

/** "The fabric is 100% camp collar": a percentage of something that is no material. */
function nonMaterialFindings(ctx: CheckContext, pairs: readonly PercentPair[]): FactFinding[] {
  const { tokens } = ctx.doc;
  const { profile } = ctx;
  const out: FactFinding[] = [];
  for (const [i, t] of tokens.entries()) {
    if (!/^\d+(?:\.\d+)?$/.test(t.raw) || tokens[i + 1]?.raw !== '%' || pairs.some((p) => p.start <= i && i < p.end))
      continue;
    if (!wholeCueBefore(ctx, i) || tokens[i + 2]?.lower === 'off') continue;
    let end = i + 2;
    while (end < i + 5 && tokens[end]?.joined) end++;
    out.push(
      tokenFinding(
        ctx,
        'COMPOSITION_MISMATCH',
        i,
        end,
        `"${textOf(ctx, i, end)}" is not a material of the record (${listed(profile.product.materials) ?? 'none listed'}).`,
        listed(profile.product.materials),
      ),
    );
  }
  return out;
}

/** The composition findings of a text, in the order of the steps: percentages, totals and partial wholes, minor parts, non-materials. */
function compositionFindings(ctx: CheckContext, materials: readonly PhraseMatch<Entry>[]): FactFinding[] {
  const pairs = percentPairs(ctx.doc, materials);
  return [
    ...mismatchFindings(ctx, pairs),
    ...groupFindings(ctx, compositionGroups(ctx, pairs)),
    ...minorPartFindings(ctx, materials, pairs),
    ...nonMaterialFindings(ctx, pairs),
  ];
}
