/**
 * What a description did not honour of its request, from what the provider
 * that wrote it declares (`capabilities.honours`) and what the prompt
 * version carries. Pure. A warning tells the client it got, say, English
 * for a French shopper, instead of leaving it to find out.
 */
import { honoursLocale, type Honours, type Personalization } from '../../providers/types.js';
import type { DescriptionFlag } from '../storage/types.js';
import type { TemplateSpec } from '../prompts/templates.js';

export type WarningCode = 'LOCALE_UNSUPPORTED' | 'PERSONALIZATION_IGNORED';

export interface DescriptionWarningValue {
  code: WarningCode;
  message: string;
}

/**
 * Warnings are stored in the description's flags column with this category
 * (no migration, and a cached description keeps the warnings it was written
 * with); toDescription() hands them out apart from the check findings.
 */
export const WARNING_CATEGORY = 'warning';

const FIELDS = ['tone', 'segment', 'keywords'] as const;

function asked(p: Personalization, field: (typeof FIELDS)[number]): boolean {
  return field === 'keywords' ? (p.keywords ?? []).some((k) => k.trim() !== '') : !!p[field]?.trim();
}

/** The warnings for a description written by `writer` (its honours absent: everything) from `template`'s prompt. */
export function capabilityWarnings(
  personalization: Personalization | undefined,
  template: Pick<TemplateSpec, 'version' | 'personalization'>,
  writer: { id: string; model: string; honours: Honours | undefined },
): DescriptionWarningValue[] {
  if (!personalization) return [];
  const warnings: DescriptionWarningValue[] = [];
  const who = `${writer.id} (${writer.model})`;
  const locale = personalization.locale?.trim();
  if (locale) {
    if (!template.personalization)
      warnings.push({
        code: 'LOCALE_UNSUPPORTED',
        message: `prompt ${template.version} does not carry the locale ${locale}: the text is in the model's default language`,
      });
    // honoursLocale() is true for a writer that declares nothing.
    else if (writer.honours && !honoursLocale(writer.honours, locale))
      warnings.push({
        code: 'LOCALE_UNSUPPORTED',
        message: `${who} writes ${writer.honours.languages.join(', ')} only, not the locale ${locale}`,
      });
  }
  const wanted = FIELDS.filter((f) => asked(personalization, f));
  const ignored = template.personalization
    ? wanted.filter((f) => writer.honours && !writer.honours.personalization[f])
    : wanted;
  if (ignored.length) {
    const by = template.personalization
      ? `${who} does not follow them`
      : `prompt ${template.version} does not carry personalization`;
    warnings.push({ code: 'PERSONALIZATION_IGNORED', message: `${ignored.join(', ')} not honoured: ${by}` });
  }
  return warnings;
}

export function warningFlag(w: DescriptionWarningValue): DescriptionFlag {
  return { code: w.code, category: WARNING_CATEGORY, message: w.message, start: null, end: null, suggestion: null };
}
