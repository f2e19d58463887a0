/**
 * Inclusive-language check: finds wording from an editable rule file
 * (rules/inclusive-language.json) as whole words, with inflections, and
 * reports where it is, why it matters and what to write instead.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import defaultRuleFile from './rules/inclusive-language.json' with { type: 'json' };

const RuleSchema = z.object({
  id: z.string().min(1),
  category: z.string().min(1),
  terms: z.array(z.string().trim().min(1)).min(1),
  explanation: z.string().min(1),
  suggestion: z.string().min(1),
  /** Also match plurals, possessives, -ed and -ing forms of each term's last word. */
  inflect: z.boolean().default(false),
  /** Apply only to products of these genders; "none" means the product has no gender. Absent: always. */
  onlyWhenGender: z.array(z.string()).optional(),
});

const RuleFileSchema = z.object({
  version: z.literal(1),
  description: z.string().optional(),
  rules: z.array(RuleSchema).min(1),
});

export type InclusiveLanguageRule = z.infer<typeof RuleSchema>;

/** One finding. `span` holds JavaScript string offsets: `text.slice(span.start, span.end) === match`. */
export interface InclusiveLanguageFlag {
  readonly category: string;
  readonly rule: string;
  readonly span: { readonly start: number; readonly end: number };
  readonly match: string;
  readonly explanation: string;
  readonly suggestion: string;
}

/** Rules validated and compiled once, ready to check many texts. */
export interface InclusiveLanguageRules {
  readonly rules: readonly (InclusiveLanguageRule & { readonly pattern: RegExp })[];
}

export interface InclusiveLanguageContext {
  /** The product's gender ("women", "men", "unisex", "kids", …). Default: none, which counts as unisex for gendered-wording rules. */
  readonly gender?: string | null;
  /** The product's attributes; an attribute "unisex" makes the product unisex whatever `gender` says. Default: none. */
  readonly attributes?: readonly string[];
  /** Compiled rules. Default: the bundled rules/inclusive-language.json. */
  readonly rules?: InclusiveLanguageRules;
}

/**
 * Validate and compile a rule file's parsed JSON.
 * @throws TypeError naming the first invalid field.
 */
export function compileInclusiveLanguageRules(
  json: unknown,
  source = 'inclusive-language rules',
): InclusiveLanguageRules {
  const parsed = RuleFileSchema.safeParse(json);
  if (!parsed.success) {
    // A failed parse has at least one issue; the first names the place.
    const [issue] = parsed.error.issues;
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : parsed.error.message;
    throw new TypeError(`${source}: ${where}`);
  }
  const ids = new Set<string>();
  for (const rule of parsed.data.rules) {
    if (ids.has(rule.id)) throw new TypeError(`${source}: duplicate rule id "${rule.id}"`);
    ids.add(rule.id);
  }
  return { rules: parsed.data.rules.map((rule) => ({ ...rule, pattern: compileTerms(rule.terms, rule.inflect) })) };
}

/** Read, validate and compile a rule file (for brands with their own list). */
export function loadInclusiveLanguageRules(filePath: string): InclusiveLanguageRules {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (error) {
    throw new TypeError(`inclusive-language rules ${filePath}: ${(error as Error).message}`, { cause: error });
  }
  return compileInclusiveLanguageRules(json, filePath);
}

let bundled: InclusiveLanguageRules | undefined;

/** The bundled rules, validated on first use. */
export function defaultInclusiveLanguageRules(): InclusiveLanguageRules {
  return (bundled ??= compileInclusiveLanguageRules(defaultRuleFile, 'rules/inclusive-language.json'));
}

/** Every rule hit in `text`, in order of position. */
export function checkInclusiveLanguage(text: string, context: InclusiveLanguageContext = {}): InclusiveLanguageFlag[] {
  const { rules } = context.rules ?? defaultInclusiveLanguageRules();
  const unisex = (context.attributes ?? []).some((a) => a.trim().toLowerCase() === 'unisex');
  const gender = unisex ? 'unisex' : context.gender?.trim().toLowerCase() || 'none';
  const flags: InclusiveLanguageFlag[] = [];
  for (const rule of rules) {
    if (rule.onlyWhenGender && !rule.onlyWhenGender.includes(gender)) continue;
    for (const m of wholeWordMatches(text, rule.pattern)) {
      flags.push({
        category: rule.category,
        rule: rule.id,
        span: { start: m.index, end: m.index + m[0].length },
        match: m[0],
        explanation: rule.explanation,
        suggestion: rule.suggestion,
      });
    }
  }
  return flags.sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
}

/** A letter, digit or underscore as the last code point of a string. */
const WORD_END = /[\p{L}\p{N}_]$/u;

/** Whether a word goes on right before `index`: what the pattern's old leading lookbehind refused. */
function wordBefore(text: string, index: number): boolean {
  if (index === 0) return false;
  const code = text.charCodeAt(index - 1);
  if (code < 0x80)
    return (
      (code >= 0x30 && code <= 0x39) ||
      (code >= 0x41 && code <= 0x5a) ||
      (code >= 0x61 && code <= 0x7a) ||
      code === 0x5f
    );
  // Two code units: the code point before may be a surrogate pair.
  return WORD_END.test(text.slice(Math.max(0, index - 2), index));
}

/**
 * The matches of `pattern` (compileTerms's, global) that start a word. The
 * pattern holds no lookbehind for the start, because a leading lookbehind
 * kept V8 from skipping ahead to a term's first letter: it tried the whole
 * alternation at every place of the text. A match glued to a word before it
 * is dropped and the search goes on from its next code point, where the
 * lookbehind would have tried next, so the matches are the same.
 */
function* wholeWordMatches(text: string, pattern: RegExp): Generator<RegExpExecArray> {
  // As String.prototype.matchAll does for a pattern without the flag.
  if (!pattern.global) throw new TypeError('an inclusive-language pattern must have the g flag');
  const re = new RegExp(pattern);
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const glued = wordBefore(text, m.index);
    if (!glued) yield m;
    // After a dropped match, and after an empty one (a hand-made pattern's; terms are never empty), which would not move lastIndex.
    if (glued || m[0] === '') re.lastIndex = nextCodePoint(text, m.index);
  }
}

function nextCodePoint(text: string, index: number): number {
  const code = text.codePointAt(index) ?? 0;
  return index + (code > 0xffff ? 2 : 1);
}

/** Regex-escape a word; a straight apostrophe also matches a curly one. */
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "['’]");

/** Regex for a word's inflected forms: -s/-es/'s/-ed/-ing, with y→ies and a dropped final e. */
function inflected(word: string): string {
  const lower = word.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) {
    return `${escape(word.slice(0, -1))}(?:y|ies|ied|ying|y['’]s)`;
  }
  if (lower.endsWith('e')) return `(?:${escape(word)}(?:s|d|['’]s)?|${escape(word.slice(0, -1))}ing)`;
  return `${escape(word)}(?:s|es|['’]s|ed|ing)?`;
}

/**
 * One case-insensitive regex for all of a rule's terms. Terms match whole
 * words only (no letter, digit or apostrophe-word glued on either side), so
 * "nude" hits "nudes" but not "denude", and "exotic" does not hit "exoticism":
 * the end is held by the pattern, the start by `wholeWordMatches`.
 */
function compileTerms(terms: readonly string[], inflect: boolean): RegExp {
  const alternatives = [...terms]
    .sort((a, b) => b.length - a.length)
    .map((term) => {
      const words = term.trim().split(/[\s-]+/);
      const last = words.length - 1;
      return words.map((w, i) => (i === last && inflect ? inflected(w) : escape(w))).join('[\\s\\u00a0-]+');
    });
  return new RegExp(`(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
}
