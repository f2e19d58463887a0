/**
 * A sentence in another language than the slot's, told by common function
 * words (vocab/languages.json). A slot whose language the file does not
 * list is not checked.
 */
import { charFinding, type CheckContext } from '../context.js';
import type { FactFinding } from '../types.js';

const NAMES: Record<string, string> = {
  en: 'English',
  fr: 'French',
  de: 'German',
  es: 'Spanish',
  it: 'Italian',
  nl: 'Dutch',
  pt: 'Portuguese',
};
const nameOf = (code: string): string => NAMES[code] ?? code;

export function languageFindings(ctx: CheckContext, locale: string): FactFinding[] {
  const { languageCodes, languageWords, language: settings } = ctx.vocabulary;
  const own = languageCodes.indexOf(ctx.language);
  if (own < 0) return [];
  const { tokens } = ctx.doc;
  const out: FactFinding[] = [];
  for (const s of ctx.doc.sentences) {
    if (s.endToken - s.firstToken < settings.minWords) continue;
    // One bit per language (languageCodes' order) for each word of the sentence.
    const masks = tokens
      .slice(s.firstToken, s.endToken)
      .filter((t) => /\p{L}/u.test(t.raw))
      .map((t) => languageWords.get(t.lower) ?? 0);
    if (masks.length < settings.minWords) continue;
    let ownHits = 0;
    let best: { code: string; hits: number } | undefined;
    for (const [k, code] of languageCodes.entries()) {
      const hits = masks.filter((mask) => mask & (1 << k)).length;
      if (k === own) ownHits = hits;
      else if (!best || hits > best.hits) best = { code, hits };
    }
    if (!best || best.hits < settings.minHits || best.hits <= ownHits || best.hits < settings.margin * ownHits)
      continue;
    out.push(
      charFinding(
        'WRONG_LANGUAGE',
        s.start,
        s.end,
        `This sentence reads as ${nameOf(best.code)}, not ${nameOf(ctx.language)}.`,
        locale,
      ),
    );
  }
  return out;
}
