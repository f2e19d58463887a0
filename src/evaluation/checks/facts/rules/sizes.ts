/** Sizes and size ranges beyond the record's ("XXS to 3XL", "newborn to age 10"). */
import { charFinding, listed, type CheckContext } from '../context.js';
import { phraseWords } from '../phrases.js';
import { offers, sizeMentions } from '../sizes.js';
import type { FactFinding } from '../types.js';

export function sizeFindings(ctx: CheckContext): FactFinding[] {
  const { profile } = ctx;
  const sizes = profile.product.sizes ?? [];
  const known = sizes.length > 0;
  const expected = listed(sizes);
  const out: FactFinding[] = [];
  for (const mention of sizeMentions(ctx.doc, ctx.matches.size, ctx.vocabulary, profile.sizes)) {
    const ok =
      mention.scale === 'one-size'
        ? profile.sizes.oneSize
        : mention.scale === 'extended'
          ? profile.phrases.has(phraseWords(mention.name ?? '').join(' '))
          : offers(profile.sizes, mention.scale, mention.value);
    if (ok) continue;
    const said = ctx.doc.text.slice(mention.start, mention.end);
    const message = known
      ? `"${said}" is not among the sizes offered (${expected}).`
      : `"${said}": the product's record lists no sizes, so this cannot be confirmed.`;
    out.push(charFinding('SIZE_NOT_OFFERED', mention.start, mention.end, message, expected, known));
  }
  return out;
}
