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
  const hits = new Array<number>(languageCodes.length);
  for (const s of ctx.doc.sentences) {
    if (s.endToken - s.firstToken < settings.minWords) continue;
    hits.fill(0);
    let words = 0;
    for (let i = s.firstToken; i < s.endToken; i++) {
      const t = tokens[i];
      if (!/\p{L}/u.test(t.raw)) continue;
      words += 1;
      const mask = languageWords.get(t.lower) ?? 0;
      for (let bit = 0; mask >> bit; bit++) if (mask & (1 << bit)) hits[bit] += 1;
    }
    if (words < settings.minWords) continue;
    let best = -1;
    for (let k = 0; k < hits.length; k++) if (k !== own && (best < 0 || hits[k] > hits[best])) best = k;
    const ownHits = hits[own];
    const bestHits = best < 0 ? 0 : hits[best];
    if (bestHits < settings.minHits || bestHits <= ownHits || bestHits < settings.margin * ownHits) continue;
    out.push(
      charFinding(
        'WRONG_LANGUAGE',
        s.start,
        s.end,
        `This sentence reads as ${nameOf(languageCodes[best])}, not ${nameOf(ctx.language)}.`,
        locale,
      ),
    );
  }
  return out;
}
