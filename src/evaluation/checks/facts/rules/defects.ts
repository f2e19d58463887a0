/**
 * Text defects: a cut-off ending, a word written twice in a row, and
 * pronouns whose number disagrees with the title's ("it" for jeans, "they"
 * for a dress).
 */
import { charFinding, tokenFinding, type CheckContext } from '../context.js';
import { tokenAt } from '../text.js';
import type { FactFinding } from '../types.js';

// A sentence that ends on one of these was cut off ("…for a walk in the."); prepositions
// are not among them, since they end phrasal verbs ("the evenings draw in").
const DANGLING = new Set([
  'and',
  'or',
  'but',
  'nor',
  'the',
  'a',
  'an',
  'your',
  'our',
  'their',
  'its',
  'my',
  'this',
  'these',
  'those',
]);
// Words that are written twice on purpose ("had had", "that that").
const DOUBLED = new Set(['that', 'had']);
const SINGULAR = new Set(['it', 'its', "it's", 'itself']);
const PLURAL = new Set(['they', 'them', 'their', 'theirs', 'themselves', "they're", "they'll", "they've", "they'd"]);
// "It is easy to…", "it's time": no garment behind the pronoun.
const DUMMY_AFTER = new Set([
  'easy',
  'no',
  'time',
  'hard',
  'worth',
  'clear',
  'possible',
  'important',
  'simple',
  'not',
  'difficult',
  'true',
  'all',
]);
// "they will love it": people, not garments.
const PEOPLE_VERBS = new Set([
  'love',
  'adore',
  'need',
  'want',
  'grow',
  'enjoy',
  'play',
  'feel',
  'say',
  'deserve',
  'like',
  'get',
  'can',
  'may',
  'might',
  'reach',
  'run',
  'jump',
  'climb',
  'explore',
]);
const WINDOW = 8;
// Words that end a noun phrase when reading back for its determiner.
const VERBS = new Set([
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'has',
  'have',
  'had',
  'and',
  'or',
  'with',
  'of',
  'for',
  'in',
  'to',
]);
// A noun after one of these (within three words) is a noun, not a verb: "the cut", "their beige colour".
const DETERMINERS = new Set([
  'the',
  'a',
  'an',
  'this',
  'that',
  'these',
  'those',
  'its',
  'their',
  'your',
  'our',
  'his',
  'her',
  'each',
  'every',
  'some',
  'all',
  'both',
  'many',
  'two',
  'three',
  'few',
  'several',
]);

export function truncationFindings(ctx: CheckContext): FactFinding[] {
  const { doc } = ctx;
  const out: FactFinding[] = [];
  const text = doc.text.replace(/[\s"'”’)\]]+$/u, '');
  for (const [i, s] of doc.sentences.entries()) {
    const last = i === doc.sentences.length - 1;
    const final = tokenAt(doc, s.endToken - 1);
    const closing = doc.text.slice(final.end, s.end);
    const ellipsis = /…|\.\.\./.test(closing) || (last && /(?:…|\.\.\.)$/.test(text));
    const dangling = s.closed && DANGLING.has(final.lower);
    if (ellipsis || dangling || (last && !s.closed)) {
      const end = last ? Math.max(text.length, final.end) : s.end;
      out.push(charFinding('TRUNCATED', s.start, end, 'This sentence is cut off.', null));
    }
  }
  return out;
}

export function repeatFindings(ctx: CheckContext): FactFinding[] {
  const { tokens, text } = ctx.doc;
  const out: FactFinding[] = [];
  for (const [i, b] of tokens.entries()) {
    const a = tokens[i - 1];
    if (
      a === undefined ||
      a.lower !== b.lower ||
      !/\p{L}/u.test(b.raw) ||
      DOUBLED.has(b.lower) ||
      !b.joined ||
      !/^\s+$/.test(text.slice(a.end, b.start))
    )
      continue;
    out.push(tokenFinding(ctx, 'REPEATED_WORD', i - 1, i + 1, `"${b.raw}" is written twice in a row.`, null));
  }
  return out;
}

export function pronounFindings(ctx: CheckContext): FactFinding[] {
  const { profile } = ctx;
  const { tokens } = ctx.doc;
  const plural = profile.plural;
  if (plural === null) return [];
  const wrong = plural ? SINGULAR : PLURAL;
  const title = profile.product.title;
  // A determiner before the word, across at most two adjectives: "the cut", "their versatile beige colour", not "these jeans are cut".
  const determined = (j: number): boolean => {
    for (let k = j - 1; k >= 0 && k >= j - 3 && tokenAt(ctx.doc, k + 1).joined; k--) {
      const t = tokenAt(ctx.doc, k);
      if (DETERMINERS.has(t.lower) || /^\d+$/.test(t.raw)) return true;
      if (VERBS.has(t.lower) || PLURAL.has(t.lower) || SINGULAR.has(t.lower) || ctx.at('kind', k)) return false;
    }
    return false;
  };
  // Something else the pronoun may stand for, close before it in the same or the previous sentence.
  const antecedent = (i: number): boolean => {
    const { sentence } = tokenAt(ctx.doc, i);
    for (let j = i - 1; j >= 0 && j >= i - WINDOW; j--) {
      const t = tokenAt(ctx.doc, j);
      if (t.sentence < sentence - 1) break;
      const referent = ctx.at('referent', j);
      const start = referent?.start ?? j;
      if (plural) {
        if (referent?.payload.type === 'referent' && !referent.payload.plural && determined(start)) return true;
        // Another garment, or the product named in the singular ("our everyday chino keeps its shape").
        if (ctx.at('kind', j) && t.stem === t.lower && (ctx.foreign[j] || determined(j))) return true;
        // "The black denim is fade resistant, so it stays dark": the sentence's own subject.
        const material = ctx.at('material', j);
        if (material && t.sentence === sentence && determined(material.start)) return true;
      } else {
        if ((referent?.payload.type === 'referent' && referent.payload.plural) || ctx.at('person', j)) return true;
        if (
          /^\p{L}+$/u.test(t.raw) &&
          t.stem !== t.lower &&
          t.lower.endsWith('s') &&
          !PLURAL.has(t.lower) &&
          determined(j)
        )
          return true;
      }
    }
    return false;
  };
  const out: FactFinding[] = [];
  for (const [i, t] of tokens.entries()) {
    const lower = t.lower.replace(/’/g, "'");
    if (!wrong.has(lower)) continue;
    const next = tokens[i + 1];
    const third = tokens[i + 2];
    const after = lower === "it's" ? next : next && /^(is|was)$/.test(next.lower) ? third : undefined;
    if (plural && after && DUMMY_AFTER.has(after.lower)) continue;
    if (
      !plural &&
      next &&
      (PEOPLE_VERBS.has(next.lower) ||
        (/^(will|'ll|would)$/.test(next.lower) && third && PEOPLE_VERBS.has(third.lower)))
    )
      continue;
    if (antecedent(i)) continue;
    const message = plural
      ? `"${t.raw}" treats "${title}" as one thing; the title is plural.`
      : `"${t.raw}" treats "${title}" as several things; the title is singular.`;
    out.push(tokenFinding(ctx, 'PRONOUN_NUMBER', i, i + 1, message, `${title} (${plural ? 'plural' : 'singular'})`));
  }
  return out;
}
