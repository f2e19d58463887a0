/**
 * The closed sets of personalization values: tone and locale are known
 * words, not free text, so neither can carry an instruction into a prompt.
 * Segment and keywords stay free text and reach the prompt as quoted data.
 */

/** The tones a description can be written in (PersonalizationInput.tone), case-insensitive. */
export const TONES = [
  'warm',
  'calm',
  'friendly',
  'playful',
  'bold',
  'elegant',
  'minimal',
  'casual',
  'sporty',
  'luxurious',
  'professional',
] as const;
export type Tone = (typeof TONES)[number];

/** The locales the store writes for, in canonical BCP 47 form (PersonalizationInput.locale). */
export const SUPPORTED_LOCALES = [
  'en',
  'en-GB',
  'en-US',
  'en-IE',
  'en-AU',
  'en-CA',
  'en-NZ',
  'de',
  'de-DE',
  'de-AT',
  'de-CH',
  'fr',
  'fr-FR',
  'fr-BE',
  'fr-CA',
  'fr-CH',
  'es',
  'es-ES',
  'es-MX',
  'it',
  'it-IT',
  'nl',
  'nl-NL',
  'nl-BE',
] as const;

export type PersonalizationReason = 'INVALID_TONE' | 'INVALID_LOCALE' | 'UNSUPPORTED_LOCALE';

/** A checked value in canonical form, or why it was refused (a `reason` for BAD_USER_INPUT). */
export type ValueCheck = { ok: true; value: string } | { ok: false; reason: PersonalizationReason; message: string };

/** Longest value echoed back in a refusal message. */
const ECHO_CHARS = 40;
const echo = (value: string) => JSON.stringify(value.length > ECHO_CHARS ? `${value.slice(0, ECHO_CHARS)}…` : value);

export function checkTone(value: string): ValueCheck {
  const tone = value.trim().toLowerCase();
  if ((TONES as readonly string[]).includes(tone)) return { ok: true, value: tone };
  return { ok: false, reason: 'INVALID_TONE', message: `tone ${echo(value)} is not one of ${TONES.join(', ')}` };
}

/** A BCP 47 tag (checked and canonicalised by Intl.getCanonicalLocales: "en-gb" is "en-GB") that the store supports. */
export function checkLocale(value: string): ValueCheck {
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(value.trim())[0];
  } catch {
    // RangeError: not a well-formed language tag.
  }
  if (!canonical)
    return {
      ok: false,
      reason: 'INVALID_LOCALE',
      message: `locale ${echo(value)} is not a BCP 47 language tag (such as "en-GB")`,
    };
  if ((SUPPORTED_LOCALES as readonly string[]).includes(canonical)) return { ok: true, value: canonical };
  return {
    ok: false,
    reason: 'UNSUPPORTED_LOCALE',
    message: `locale ${canonical} is not supported (supported: ${SUPPORTED_LOCALES.join(', ')})`,
  };
}
