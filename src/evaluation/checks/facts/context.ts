/**
 * One text, read once for every rule: its tokens, the vocabulary's matches
 * by type, and which words belong to other garments ("a silk shirt" in "pair
 * it with a silk shirt"), whose colours and materials are not the product's.
 */
import type { PhraseMatch } from './phrases.js';
import { resolveMatches, type MatchesByType, type MatchType } from './readings.js';
import type { ProductProfile } from './record.js';
import { sameSentence, tokenAt, tokenize, type TokenizedText } from './text.js';
import { FACT_CODES, type FactCode, type FactFinding, type FactSeverity } from './types.js';
import type { Entry, FactVocabulary } from './vocabulary.js';

export interface CheckContext {
  readonly doc: TokenizedText;
  readonly vocabulary: FactVocabulary;
  readonly profile: ProductProfile;
  /** The slot's language ("en" of "en-GB"). */
  readonly language: string;
  readonly matches: MatchesByType;
  /** The match of a type that covers a token, if any. */
  at(type: MatchType, token: number): PhraseMatch<Entry> | undefined;
  /** 1 where a token belongs to the noun phrase of another garment. */
  readonly foreign: Uint8Array;
}

// Words that end a noun phrase when reading back from its noun.
const PHRASE_EDGE = new Set(
  'a an the your my our this that these those its their his her with over under for in on to from of into and or but it them they is are be wear pair team style add throw layer tuck swap choose by as at like than any some every'.split(
    ' ',
  ),
);
const MAX_MODIFIERS = 4;

export function readText(
  text: string,
  profile: ProductProfile,
  vocabulary: FactVocabulary,
  locale: string,
): CheckContext {
  const doc = tokenize(text);
  const all = vocabulary.index.matchAll(doc.tokens);
  const matches = resolveMatches(all, doc.tokens);
  const foreign = new Uint8Array(doc.tokens.length);
  const { tokens } = doc;
  for (const m of matches.kind) {
    const noun = tokens
      .slice(m.start, m.end)
      .map((t) => t.stem)
      .join(' ');
    if (profile.ownNouns.has(noun)) continue;
    for (let i = m.start; i < m.end; i++) foreign[i] = 1;
    // Back over its modifiers: "a crisp white shirt", "leather boots".
    for (
      let i = m.start - 1, n = 0;
      i >= 0 && n < MAX_MODIFIERS && tokenAt(doc, i + 1).joined && !PHRASE_EDGE.has(tokenAt(doc, i).lower);
      i--, n++
    )
      foreign[i] = 1;
    // On to the part it names ("a coat pocket", "a bag handle") and to "in white" after it.
    const part = matches.detail.find((d) => d.start === m.end && tokenAt(doc, d.start).joined);
    if (part) for (let i = part.start; i < part.end; i++) foreign[i] = 1;
    const after = tokens[m.end];
    if (after?.lower === 'in' && after.joined) {
      const colour = matches.colour.find((c) => c.start === m.end + 1);
      if (colour) for (let i = m.end; i < colour.end; i++) foreign[i] = 1;
    }
  }
  const covering = new Map<MatchType, Array<PhraseMatch<Entry> | undefined>>();
  const at = (type: MatchType, token: number): PhraseMatch<Entry> | undefined => {
    let list = covering.get(type);
    if (!list) {
      list = new Array<PhraseMatch<Entry> | undefined>(tokens.length);
      for (const m of matches[type]) for (let i = m.start; i < m.end; i++) list[i] = m;
      covering.set(type, list);
    }
    return list[token];
  };
  // split() always yields at least one element, so the language is never missing.
  const [language = ''] = locale.split(/[-_]/);
  return { doc, vocabulary, profile, language: language.toLowerCase(), matches, at, foreign };
}

/** True when a negation ("without", "no", "instead of") stands up to `gap` words before the match in its sentence. */
export const isNegated = (ctx: CheckContext, m: { start: number }, gap: number): boolean =>
  ctx.matches.negation.some(
    (n) => n.end <= m.start && m.start - n.end <= gap && sameSentence(ctx.doc, n.start, m.start),
  );

/** True when any token of the match belongs to another garment. */
export const isForeign = (ctx: CheckContext, m: { start: number; end: number }): boolean => {
  for (let i = m.start; i < m.end; i++) if (ctx.foreign[i]) return true;
  return false;
};

/** The text of tokens [start, end). */
export const textOf = (ctx: CheckContext, start: number, end: number): string =>
  ctx.doc.text.slice(tokenAt(ctx.doc, start).start, tokenAt(ctx.doc, end - 1).end);

/**
 * A finding over tokens [start, end). `known` false (the record does not
 * state the field at all) makes a contradiction a REVIEW: unsupported, not
 * contradicted.
 */
export function tokenFinding(
  ctx: CheckContext,
  code: FactCode,
  start: number,
  end: number,
  message: string,
  expected: string | null,
  known = true,
): FactFinding {
  return charFinding(code, tokenAt(ctx.doc, start).start, tokenAt(ctx.doc, end - 1).end, message, expected, known);
}

export function charFinding(
  code: FactCode,
  start: number,
  end: number,
  message: string,
  expected: string | null,
  known = true,
): FactFinding {
  const severity: FactSeverity = known ? FACT_CODES[code] : 'REVIEW';
  return { code, severity, start, end, message, expected };
}

/** The record's list for a message and `expected`: "sage, sand"; null when empty. */
export const listed = (values: readonly string[] | undefined): string | null =>
  values && values.length ? values.join(', ') : null;
