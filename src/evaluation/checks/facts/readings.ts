/**
 * Readings shared by the product's record and the text: the vocabulary's
 * matches resolved by type, percentages paired with their materials, and the
 * materials a qualifier ("recycled", "organic") speaks of.
 */
import { longestMatches, type PhraseMatch } from './phrases.js';
import type { FactToken, TokenizedText } from './text.js';
import type { Entry, EntryType, Material } from './vocabulary.js';

export type MatchType = Exclude<EntryType, 'except'>;
export type MatchesByType = Readonly<Record<MatchType, readonly PhraseMatch<Entry>[]>>;
const MATCH_TYPES: readonly MatchType[] = [
  'material',
  'colour',
  'kind',
  'detail',
  'claim',
  'audience',
  'size',
  'referent',
  'person',
  'negation',
  'cue',
];

/**
 * The matches of each entry type, resolved: longest first, none overlapping
 * within a type, excepts dropped, and a plural-only garment noun only where
 * the text writes it plural ("flats", not "fold it flat").
 */
export function resolveMatches(all: readonly PhraseMatch<Entry>[], tokens: readonly FactToken[]): MatchesByType {
  const byType = Object.fromEntries(MATCH_TYPES.map((t) => [t, [] as PhraseMatch<Entry>[]])) as Record<
    MatchType,
    PhraseMatch<Entry>[]
  >;
  for (const m of all) {
    if (m.payload.type === 'kind' && m.payload.pluralOnly) {
      const last = tokens[m.end - 1];
      if (last === undefined) throw new Error(`fact check: a match ends at token ${m.end} of ${tokens.length}`);
      if (last.stem === last.lower) continue;
    }
    byType[m.payload.type === 'except' ? (m.payload.of as MatchType) : m.payload.type].push(m);
  }
  for (const t of MATCH_TYPES)
    if (byType[t].length) byType[t] = longestMatches(byType[t]).filter((m) => m.payload.type !== 'except');
  return byType;
}

/** Percentages and the materials they belong to, in one field: "75% nylon", "nylon 75%". */
export function percentPairs(
  doc: TokenizedText,
  materials: readonly PhraseMatch<Entry>[],
): Array<{ material: Material; pct: number; start: number; end: number }> {
  const pairs: Array<{ material: Material; pct: number; start: number; end: number }> = [];
  const { tokens } = doc;
  const used = new Set<PhraseMatch<Entry>>();
  for (const [i, figure] of tokens.entries()) {
    const sign = tokens[i + 1];
    if (sign === undefined || !/^\d+(?:\.\d+)?$/.test(figure.raw)) continue;
    const percent =
      sign.raw === '%'
        ? 1
        : sign.stem === 'percent'
          ? 1
          : sign.stem === 'per' && tokens[i + 2]?.stem === 'cent'
            ? 2
            : 0;
    if (!percent) continue;
    const after = i + 1 + percent;
    const pct = Number(figure.raw);
    // "75% recycled nylon": the material within three words, in the same clause; "nylon 75%": the material just before.
    const next = materials.find(
      (m) =>
        !used.has(m) &&
        m.start >= after &&
        m.start <= after + 2 &&
        tokens.slice(after, m.start + 1).every((t) => t.joined),
    );
    const prev = materials.find((m) => !used.has(m) && m.end === i && figure.joined);
    // "wool 50%, alpaca 30% and polyamide 20%" takes the material before; "50% wool 50% cotton" the one after.
    const pick = prev && !(next && next.start === after) ? prev : next;
    if (!pick || pick.payload.type !== 'material') continue;
    used.add(pick);
    if (pick === prev) pairs.push({ material: pick.payload.material, pct, start: pick.start, end: after });
    else pairs.push({ material: pick.payload.material, pct, start: i, end: pick.end });
  }
  return pairs;
}

/**
 * The materials a qualifier word speaks of: those that contain it, or follow
 * it in the same clause with no number between ("organic cotton denim", not
 * the polyester of "organic cotton, 20% polyester").
 */
export function qualifiedMaterials(
  doc: TokenizedText,
  qualifier: { start: number; end: number },
  materials: readonly PhraseMatch<Entry>[],
): Material[] {
  const out: Material[] = [];
  for (const m of materials) {
    if (m.payload.type !== 'material') continue;
    const inside = m.start <= qualifier.start && qualifier.end <= m.end;
    const after =
      m.start >= qualifier.end && doc.tokens.slice(qualifier.end, m.end).every((t) => t.joined && !/^\d/.test(t.raw));
    if (inside || after) out.push(m.payload.material);
  }
  return out;
}
