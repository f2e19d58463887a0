/**
 * Sizes on their scales: letter sizes by rank, ages in years, EU shoe sizes,
 * waist sizes, centimetres and plain numbers. The record's sizes become ranges
 * per scale; a text's size mentions ("XXS to 3XL", "aged 2 to 14", "EU 35")
 * become values to check against them.
 */
import { tokenAt, type FactToken, type TokenizedText } from './text.js';
import type { Entry, FactVocabulary } from './vocabulary.js';
import type { PhraseMatch } from './phrases.js';

export type SizeScale = 'letter' | 'age' | 'eu' | 'waist' | 'cm' | 'numeric';

export interface SizeRanges {
  readonly ranges: ReadonlyMap<SizeScale, ReadonlyArray<readonly [number, number]>>;
  readonly oneSize: boolean;
}

export interface SizeMention {
  readonly scale: SizeScale | 'one-size' | 'extended';
  readonly value: number;
  /** For extended sizes, the name ("petite"). */
  readonly name?: string;
  readonly start: number;
  readonly end: number;
}

const NUMBER = /^\d+(?:\.\d+)?$/;
const AGE = /^(\d+)(?:y|yr|yrs|year|years)$/i;
const WAIST = /^w(\d{2})$/i;
const RANGE_WORDS = new Set(['to', 'through', 'until', 'till', 'and']);

/** The record's sizes as ranges per scale; labels of no known scale are ignored. */
export function recordSizes(sizes: readonly string[], vocabulary: FactVocabulary): SizeRanges {
  const ranges = new Map<SizeScale, Array<readonly [number, number]>>();
  let oneSize = false;
  const push = (scale: SizeScale, a: number, b = a): void => {
    let list = ranges.get(scale);
    if (!list) ranges.set(scale, (list = []));
    list.push([Math.min(a, b), Math.max(a, b)]);
  };
  for (const label of sizes) {
    const s = label.trim();
    const rank = vocabulary.letterRanks.get(s.toUpperCase());
    let m: RegExpMatchArray | null;
    if (/^one[\s-]?size$/i.test(s) || /^os$/i.test(s)) oneSize = true;
    else if (rank !== undefined) push('letter', rank);
    else if ((m = s.match(/^(\d+)\s*[-–]\s*(\d+)\s*(?:y|yrs?|years?)$/i))) push('age', Number(m[1]), Number(m[2]));
    else if ((m = s.match(/^(\d+)\s*(?:y|yrs?|years?)$/i))) push('age', Number(m[1]));
    else if ((m = s.match(/^(\d+)\s*(?:-|–)\s*(\d+)\s*m(?:onths?)?$/i)))
      push('age', Number(m[1]) / 12, Number(m[2]) / 12);
    else if ((m = s.match(/^eu\s*(\d+(?:\.\d)?)(?:\s*[-–]\s*(\d+(?:\.\d)?))?$/i)))
      push('eu', Number(m[1]), Number(m[2] ?? m[1]));
    else if ((m = s.match(/^w\s*(\d{2})$/i))) push('waist', Number(m[1]));
    else if ((m = s.match(/^(\d+)\s*cm$/i))) push('cm', Number(m[1]));
    else if ((m = s.match(/^(\d+(?:\.\d)?)$/))) push('numeric', Number(m[1]));
  }
  return { ranges, oneSize };
}

/** True when the record offers `value` on `scale`; a plain number may be any numbered scale the record uses. */
export function offers(record: SizeRanges, scale: SizeScale, value: number): boolean {
  const scales: SizeScale[] = scale === 'numeric' ? ['numeric', 'eu', 'waist', 'cm'] : [scale];
  return scales.some((s) => (record.ranges.get(s) ?? []).some(([a, b]) => value >= a - 1e-9 && value <= b + 1e-9));
}

const isSizeWord = (t: FactToken | undefined): boolean =>
  t !== undefined && (t.stem === 'size' || t.stem === 'sized' || t.stem === 'sizing');

/** Dash between two tokens ("2-14", "S-XL"). */
const dashBetween = (text: string, a: FactToken, b: FactToken): boolean =>
  b.joined && /^\s*[-–]\s*$/.test(text.slice(a.end, b.start));

/** A possible size mention: `bare` numbers and `weak` ones become mentions only beside a size word or a sure size. */
type Candidate = {
  scale: SizeMention['scale'] | 'bare';
  value: number;
  name?: string;
  at: number;
  endAt: number;
  weak: boolean;
};

/** Candidates read from single tokens and their units: letters, ages, waists, EU sizes, centimetres and bare numbers. */
function tokenCandidates(tokens: readonly FactToken[], vocabulary: FactVocabulary, record: SizeRanges): Candidate[] {
  const found: Candidate[] = [];
  // Past the number of an "EU 42" already read.
  let resumeAt = 0;
  for (const [i, t] of tokens.entries()) {
    if (i < resumeAt) continue;
    const raw = t.raw;
    const digit = raw.charCodeAt(0) >= 48 && raw.charCodeAt(0) <= 57;
    // Cheap tests first: most words are neither sizes nor numbers.
    if (!digit && raw.length > 4 && t.stem !== 'eu') continue;
    const next = tokens[i + 1];
    let m: RegExpMatchArray | null;
    const rank = raw.length <= 5 ? vocabulary.letterRanks.get(raw.toUpperCase()) : undefined;
    if (rank !== undefined && (raw === raw.toUpperCase() || raw.length > 2)) {
      found.push({ scale: 'letter', value: rank, at: i, endAt: i + 1, weak: raw.length === 1 });
    } else if (digit && (m = raw.match(AGE))) {
      found.push({ scale: 'age', value: Number(m[1]), at: i, endAt: i + 1, weak: false });
    } else if (!digit && (m = raw.match(WAIST))) {
      found.push({ scale: 'waist', value: Number(m[1]), at: i, endAt: i + 1, weak: false });
    } else if (t.stem === 'eu' && next && NUMBER.test(next.raw) && next.joined) {
      found.push({ scale: 'eu', value: Number(next.raw), at: i, endAt: i + 2, weak: false });
      resumeAt = i + 2;
    } else if (digit && NUMBER.test(raw)) {
      const unit = next && next.joined ? next.stem : '';
      if (unit === 'year' || unit === 'yr' || unit === 'y')
        found.push({ scale: 'age', value: Number(raw), at: i, endAt: i + 2, weak: false });
      else if (unit === 'month')
        found.push({ scale: 'age', value: Number(raw) / 12, at: i, endAt: i + 2, weak: false });
      else if (unit === 'cm' && record.ranges.has('cm'))
        found.push({ scale: 'cm', value: Number(raw), at: i, endAt: i + 2, weak: false });
      else if ((unit === 'inch' || unit === 'in') && tokens[i + 2]?.stem === 'waist')
        found.push({ scale: 'waist', value: Number(raw), at: i, endAt: i + 3, weak: false });
      else found.push({ scale: 'bare', value: Number(raw), at: i, endAt: i + 1, weak: true });
    }
  }
  return found;
}

/** Candidates from the vocabulary's size phrases ("small", "age 4", "one size", "petite"). */
function phraseCandidates(sizeMatches: readonly PhraseMatch<Entry>[]): Candidate[] {
  const found: Candidate[] = [];
  for (const match of sizeMatches) {
    if (match.payload.type !== 'size') continue;
    const size = match.payload.size;
    if (size.kind === 'letter')
      found.push({ scale: 'letter', value: size.rank, at: match.start, endAt: match.end, weak: true });
    else if (size.kind === 'age')
      found.push({ scale: 'age', value: size.years, at: match.start, endAt: match.end, weak: true });
    else if (size.kind === 'one-size')
      found.push({ scale: 'one-size', value: 0, at: match.start, endAt: match.end, weak: false });
    else found.push({ scale: 'extended', value: 0, name: size.name, at: match.start, endAt: match.end, weak: false });
  }
  return found;
}

/** A bare number after "size" or "age(d)" is a size; a weak one (S, "small") needs "size" before it. */
function applySizeWords(tokens: readonly FactToken[], found: readonly Candidate[]): void {
  for (const c of found) {
    const before = tokens[c.at - 1];
    const before2 = tokens[c.at - 2];
    const afterSize = isSizeWord(before) || (isSizeWord(before2) && (before?.stem === 'from' || before?.stem === 'in'));
    const afterAge = before !== undefined && (before.stem === 'age' || before.stem === 'aged');
    if (c.scale === 'bare' && afterAge) c.scale = 'age';
    else if (c.scale === 'bare' && afterSize) c.scale = 'numeric';
    if (c.scale !== 'bare' && (afterSize || afterAge)) c.weak = false;
  }
}

/** Ranges and lists ("X to Y", "X-Y", "S, M and L"): a bare or weak end takes the other end's scale. */
function applyRanges(doc: TokenizedText, found: readonly Candidate[]): void {
  const { tokens, text } = doc;
  const linked = (a: Candidate, b: Candidate): boolean => {
    const ta = tokenAt(doc, a.endAt - 1);
    const tb = tokenAt(doc, b.at);
    if (ta.sentence !== tb.sentence) return false;
    if (b.at === a.endAt) return dashBetween(text, ta, tb) || (a.scale === 'letter' && b.scale === 'letter');
    const [word, between] = tokens.slice(a.endAt, a.endAt + 2);
    if (word === undefined || !RANGE_WORDS.has(word.stem)) return false;
    // "newborn to age 10", "XS to size XL"
    return b.at === a.endAt + 1 || (b.at === a.endAt + 2 && between !== undefined && /^(age|size)$/.test(between.stem));
  };
  for (let pass = 0; pass < 2; pass++) {
    for (const [k, b] of found.entries()) {
      const a = found[k - 1];
      if (a === undefined || !linked(a, b)) continue;
      const sure = (c: Candidate): boolean => c.scale !== 'bare' && !c.weak;
      const strong = sure(a) ? a : sure(b) ? b : null;
      if (!strong) continue;
      for (const c of [a, b]) {
        if (c.scale === 'bare') c.scale = strong.scale;
        if (c.scale === strong.scale) c.weak = false;
      }
    }
  }
}

/**
 * Size mentions in a text. Single letters (S, M, L) and size words ("small")
 * count only beside "size" or another size, bare numbers only after "size",
 * "age" or in a range with a sized value, centimetres only where the record
 * is sized in them.
 */
export function sizeMentions(
  doc: TokenizedText,
  sizeMatches: readonly PhraseMatch<Entry>[],
  vocabulary: FactVocabulary,
  record: SizeRanges,
): SizeMention[] {
  const { tokens } = doc;
  const found = [...tokenCandidates(tokens, vocabulary, record), ...phraseCandidates(sizeMatches)];
  found.sort((a, b) => a.at - b.at);
  applySizeWords(tokens, found);
  applyRanges(doc, found);
  return found
    .filter((c): c is Candidate & { scale: SizeMention['scale'] } => c.scale !== 'bare' && !c.weak)
    .map((c) => ({
      scale: c.scale,
      value: c.value,
      ...(c.name ? { name: c.name } : {}),
      start: tokenAt(doc, c.at).start,
      end: tokenAt(doc, c.endAt - 1).end,
    }));
}
