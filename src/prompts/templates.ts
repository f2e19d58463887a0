/**
 * Versioned prompt templates. A template version is stored with every
 * generated description, so a template is never edited in place: a change is
 * a new version. Rendering is pure (see build-prompt.ts).
 */

export const PROMPT_VERSIONS = ['v1', 'v2', 'v3'] as const;
export type PromptVersion = (typeof PROMPT_VERSIONS)[number];

/** The version used when a caller names none. */
export const DEFAULT_PROMPT_VERSION: PromptVersion = 'v3';

export interface TemplateSpec {
  version: PromptVersion;
  summary: string;
  /** Adds title, category, colours and materials beside the metadata. */
  structured: boolean;
  /** Asks for a length in words. */
  lengthTarget: boolean;
  /** Sends the brand-voice line (as the system message for chat backends). */
  brandVoice: boolean;
  /** Renders the personalization block. */
  personalization: boolean;
}

export const TEMPLATES: Readonly<Record<PromptVersion, TemplateSpec>> = {
  v1: {
    version: 'v1',
    summary: "The original prototype's prompt: the product metadata only.",
    structured: false,
    lengthTarget: false,
    brandVoice: false,
    personalization: false,
  },
  v2: {
    version: 'v2',
    summary: 'Adds the title, category, attributes, colours, materials and a length target.',
    structured: true,
    lengthTarget: true,
    brandVoice: false,
    personalization: false,
  },
  v3: {
    version: 'v3',
    summary: 'v2 plus the brand-voice line and personalization (segment, tone, locale, keywords).',
    structured: true,
    lengthTarget: true,
    brandVoice: true,
    personalization: true,
  },
};

export const BASE_INSTRUCTION = 'Write a creative product description for the following product:';

export const BRAND_VOICE =
  'You write for StyleSprint, a mid-market fashion store. Be warm, concrete and inclusive; ' +
  'describe materials, fit and occasions; no hype, no body-shape, age or skin-tone claims.';

/** Default length target for the description, in words. */
export const DEFAULT_LENGTH_WORDS = 40;
