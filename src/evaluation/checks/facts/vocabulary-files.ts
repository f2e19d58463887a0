/**
 * What each fact-check vocabulary file must hold (zod schemas), and the
 * bundled files. A brand's file of the same name replaces the bundled one.
 */
import { z } from 'zod';
import audienceFile from './vocab/audience.json' with { type: 'json' };
import claimsFile from './vocab/claims.json' with { type: 'json' };
import coloursFile from './vocab/colours.json' with { type: 'json' };
import detailsFile from './vocab/details.json' with { type: 'json' };
import garmentsFile from './vocab/garments.json' with { type: 'json' };
import languagesFile from './vocab/languages.json' with { type: 'json' };
import materialsFile from './vocab/materials.json' with { type: 'json' };
import sizesFile from './vocab/sizes.json' with { type: 'json' };
import { CLAIM_CODES, type ClaimGroup } from './types.js';

const phrase = z.string().trim().min(1);
const phrases = z.array(phrase);
const version = z.literal(1);

const MaterialsSchema = z.object({
  version,
  description: z.string().optional(),
  materials: z.array(z.object({ name: phrase, terms: phrases.min(1), broader: phrases.optional() })).min(1),
  except: phrases.default([]),
  wholeCues: phrases.default([]),
});
const ColoursSchema = z.object({
  version,
  description: z.string().optional(),
  base: phrases.min(1),
  colours: z
    .array(
      z.object({ name: phrase, terms: phrases.min(1), family: phrases.min(1), ambiguous: z.boolean().default(false) }),
    )
    .min(1),
  idioms: phrases.default([]),
  contextBefore: phrases.default([]),
  contextAfter: phrases.default([]),
});
const GarmentsSchema = z.object({
  version,
  description: z.string().optional(),
  kinds: z
    .array(z.object({ name: phrase, nouns: phrases.min(1), also: phrases.default([]), implies: phrases.default([]) }))
    .min(1),
  categories: z.record(z.string(), phrase).default({}),
  referents: z.object({ singular: phrases, plural: phrases }),
  people: phrases.default([]),
});
const term = z.union([phrase, phrases.min(1)]);
const DetailsSchema = z.object({
  version,
  description: z.string().optional(),
  groups: z
    .array(
      z.object({
        name: phrase,
        generic: phrases.default([]),
        terms: z.array(term),
        onlyAgainstRecord: z.boolean().default(false),
      }),
    )
    .min(1),
  negations: phrases.default([]),
});
const literal = phrase.refine(
  (p) => !/(^|\s)(\*|\.\.\.|\{Cap\})(\s|$)/.test(p),
  'supportedBy phrases are literal (no *, ... or {Cap})',
);
const ClaimsSchema = z.object({
  version,
  description: z.string().optional(),
  groups: z.partialRecord(
    z.enum(Object.keys(CLAIM_CODES) as [ClaimGroup, ...ClaimGroup[]]),
    z.array(z.object({ terms: phrases.min(1), supportedBy: z.array(literal).optional() })),
  ),
  except: phrases.default([]),
});
const AudienceSchema = z.object({
  version,
  description: z.string().optional(),
  cues: z.object({ adultOccasion: phrases, female: phrases, male: phrases, child: phrases }),
  except: phrases.default([]),
});
const SizesSchema = z.object({
  version,
  description: z.string().optional(),
  letter: z.object({
    order: phrases.min(1),
    aliases: z.record(z.string(), phrase).default({}),
    words: z.record(z.string(), phrase).default({}),
  }),
  extended: phrases.default([]),
  oneSize: phrases.default([]),
  ageWords: z.record(z.string(), z.number().min(0).max(25)).default({}),
});
const LanguagesSchema = z.object({
  version,
  description: z.string().optional(),
  minWords: z.number().int().min(1).default(4),
  minHits: z.number().int().min(1).default(2),
  margin: z.number().min(1).default(2),
  languages: z.record(z.string().regex(/^[a-z]{2,3}$/, 'a language code such as "en"'), phrases.min(1)),
});

/** The vocabulary files and what each must hold. */
export const VOCABULARY_FILES = {
  'materials.json': MaterialsSchema,
  'colours.json': ColoursSchema,
  'garments.json': GarmentsSchema,
  'details.json': DetailsSchema,
  'claims.json': ClaimsSchema,
  'audience.json': AudienceSchema,
  'sizes.json': SizesSchema,
  'languages.json': LanguagesSchema,
} as const;
export type VocabularyFileName = keyof typeof VOCABULARY_FILES;

export const BUNDLED_VOCABULARY: Record<VocabularyFileName, unknown> = {
  'materials.json': materialsFile,
  'colours.json': coloursFile,
  'garments.json': garmentsFile,
  'details.json': detailsFile,
  'claims.json': claimsFile,
  'audience.json': audienceFile,
  'sizes.json': sizesFile,
  'languages.json': languagesFile,
};

export type ParsedVocabulary = { [K in VocabularyFileName]: z.output<(typeof VOCABULARY_FILES)[K]> };

/** Validate one file's parsed JSON. @throws TypeError naming the source and the first invalid field. */
export function parseVocabularyFile<K extends VocabularyFileName>(
  name: K,
  json: unknown,
  source: string,
): ParsedVocabulary[K] {
  const result = VOCABULARY_FILES[name].safeParse(json);
  if (!result.success) {
    // A failed parse has at least one issue; the first names the place.
    const [issue] = result.error.issues;
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : result.error.message;
    throw new TypeError(`${source}: ${where}`);
  }
  return result.data as ParsedVocabulary[K];
}
