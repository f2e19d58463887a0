import type { Personalization } from '../../providers/types.js';
import { checkLocale, checkTone, type ValueCheck } from '../prompts/personalization.js';
import type { PersonalizationFields } from './types.js';

const clean = (s: string | null | undefined) => s?.trim() || undefined;
/** The canonical form of a checked value (checkParams has refused bad ones). */
const canonical = (value: string | undefined, check: (v: string) => ValueCheck) => {
  if (value === undefined) return undefined;
  const checked = check(value);
  return checked.ok ? checked.value : value;
};

/** Drops empty fields and puts tone ("warm") and locale ("en-GB") in canonical form; returns undefined when nothing is left. */
export function normalizePersonalization(input: PersonalizationFields | null | undefined): Personalization | undefined {
  if (!input) return undefined;
  const p: Personalization = {};
  const segment = clean(input.segment);
  const tone = canonical(clean(input.tone), checkTone);
  const locale = canonical(clean(input.locale), checkLocale);
  const keywords = (input.keywords ?? []).map((k) => k.trim()).filter(Boolean);
  if (segment) p.segment = segment;
  if (tone) p.tone = tone;
  if (locale) p.locale = locale;
  if (keywords.length) p.keywords = keywords;
  return Object.keys(p).length ? p : undefined;
}

/**
 * Canonical key of a personalization: the same audience gets the same stored
 * description whatever the field order or keyword order. '' means none.
 */
export function personalizationKey(p: Personalization | undefined): string {
  if (!p) return '';
  return JSON.stringify([
    p.segment?.toLowerCase() ?? null,
    p.tone?.toLowerCase() ?? null,
    p.locale?.toLowerCase() ?? null,
    [...(p.keywords ?? [])].map((k) => k.toLowerCase()).sort(),
  ]);
}
