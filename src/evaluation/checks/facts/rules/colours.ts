/**
 * Colours not offered, fashion names included ("ruby red", "oatmeal"). A
 * colour of another garment ("with white trainers") and an idiom ("black
 * tie") are not the product's; an ambiguous name ("sand", "natural") counts
 * only where the text speaks of colour.
 */
import { isForeign, listed, textOf, tokenFinding, type CheckContext } from '../context.js';
import type { PhraseMatch } from '../phrases.js';
import type { ProductProfile } from '../record.js';
import { sameSentence, tokenAt } from '../text.js';
import type { FactFinding } from '../types.js';
import type { Colour, Entry, FactVocabulary } from '../vocabulary.js';

function offered(profile: ProductProfile, vocabulary: FactVocabulary, colour: Colour): boolean {
  if (profile.colourNames.has(colour.name)) return true;
  // A plain colour for an offered shade: "green" for forest green.
  if (vocabulary.baseColours.has(colour.name) && profile.colourFamilies.has(colour.name)) return true;
  // A shade of an offered plain colour that says it: "ruby red" for red.
  return colour.baseWord !== null && profile.colourNames.has(colour.baseWord);
}

export function colourFindings(ctx: CheckContext): FactFinding[] {
  const { profile, vocabulary, doc } = ctx;
  const { tokens } = doc;
  const colours = ctx.matches.colour.filter((m) => m.payload.type === 'colour' && !isForeign(ctx, m));
  const cueAt = (cue: 'colour-before' | 'colour-after', at: number): boolean =>
    ctx.matches.cue.some(
      (c) =>
        c.payload.type === 'cue' && c.payload.cue === cue && (cue === 'colour-before' ? c.end === at : c.start === at),
    );
  const ownNounAt = (at: number): boolean =>
    tokens[at] !== undefined && tokens[at].joined && profile.ownNouns.has(tokens[at].stem);
  const sure = new Set<PhraseMatch<Entry>>();
  for (const m of colours) {
    const colour = (m.payload as { colour: Colour }).colour;
    if (!colour.ambiguous || cueAt('colour-before', m.start) || cueAt('colour-after', m.end) || ownNounAt(m.end))
      sure.add(m);
  }
  // A list of colours ("black, olive and sand") speaks of colour when one of them surely does.
  const adjacent = (a: PhraseMatch<Entry>, b: PhraseMatch<Entry>): boolean =>
    sameSentence(ctx.doc, a.start, b.start) &&
    (b.start === a.end || (b.start === a.end + 1 && /^(and|or)$/.test(tokenAt(ctx.doc, a.end).lower)));
  for (let pass = 0; pass < 2; pass++) {
    colours.forEach((m, i) => {
      if (sure.has(m)) return;
      const prev = colours[i - 1];
      const next = colours[i + 1];
      if ((prev && sure.has(prev) && adjacent(prev, m)) || (next && sure.has(next) && adjacent(m, next))) sure.add(m);
    });
  }
  // A title or attribute that names a colour ("Slim Black Jeans") states it as surely as the colour list.
  const known = (profile.product.colors ?? []).length > 0 || profile.colourNames.size > 0;
  const expected = listed(profile.product.colors);
  const out: FactFinding[] = [];
  for (const m of colours) {
    if (!sure.has(m) || offered(profile, vocabulary, (m.payload as { colour: Colour }).colour)) continue;
    const said = textOf(ctx, m.start, m.end);
    const message = known
      ? `"${said}" is not a colour this product comes in (${expected}).`
      : `"${said}": the product's record names no colours, so this cannot be confirmed.`;
    out.push(tokenFinding(ctx, 'COLOUR_NOT_OFFERED', m.start, m.end, message, expected, known));
  }
  return out;
}
