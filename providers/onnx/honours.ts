/**
 * What a local model honours of a request, declared by its folder in
 * `stylesprint.json` (our own file beside the Hugging Face ones, so that the
 * export's files stay as the Hub has them):
 *
 * ```json
 * { "honours": { "languages": ["en"], "instructions": false,
 *                "personalization": { "tone": false, "segment": false, "keywords": false } } }
 * ```
 *
 * Fields left out take the default of the folder's prompt format: an
 * instruct model with a chat template honours everything; a plain completion
 * model writes English and follows neither instructions nor personalization.
 *
 * `"prompt_version": "v3"` beside `honours` names the gateway's prompt
 * template the model was trained on, which it is then always sent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HONOURS_ALL, type Honours, type PromptFormat } from '../types.js';
import { ModelFolderError, readFolderJson } from './model-folder.js';

/** The folder file that declares what the model honours. */
export const STYLESPRINT_FILE = 'stylesprint.json';

const PLAIN_DEFAULT: Honours = {
  languages: ['en'],
  instructions: false,
  personalization: { tone: false, segment: false, keywords: false },
};

function fail(dir: string, message: string): never {
  throw new ModelFolderError(`${path.join(dir, STYLESPRINT_FILE)}: ${message}`);
}

function bool(dir: string, value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(dir, `${name} must be true or false`);
  return value;
}

/** What the model of `dir` honours: its stylesprint.json over the default for `format`. */
export function readHonours(dir: string, format: PromptFormat): Honours {
  const base = format === 'chat_template' ? HONOURS_ALL : PLAIN_DEFAULT;
  const file = path.join(dir, STYLESPRINT_FILE);
  if (!existsSync(file)) return base;
  const json = readFolderJson(file) as { honours?: unknown } | null;
  const declared = json && typeof json === 'object' ? json.honours : undefined;
  if (declared === undefined) return base;
  if (!declared || typeof declared !== 'object' || Array.isArray(declared)) fail(dir, '"honours" must be an object');
  const h = declared as { languages?: unknown; instructions?: unknown; personalization?: unknown };
  let languages = base.languages;
  if (h.languages !== undefined) {
    if (
      !Array.isArray(h.languages) ||
      h.languages.length === 0 ||
      !h.languages.every((l) => typeof l === 'string' && /^(\*|[a-z]{2,3})$/.test(l))
    ) {
      fail(dir, 'honours.languages must be a non-empty list of lower-case language subtags ("en") or "*"');
    }
    languages = h.languages as string[];
  }
  const p: unknown = h.personalization ?? {};
  if (!p || typeof p !== 'object' || Array.isArray(p)) fail(dir, 'honours.personalization must be an object');
  const fields = p as Record<string, unknown>;
  return {
    languages,
    instructions: bool(dir, h.instructions, 'honours.instructions', base.instructions),
    personalization: {
      tone: bool(dir, fields.tone, 'honours.personalization.tone', base.personalization.tone),
      segment: bool(dir, fields.segment, 'honours.personalization.segment', base.personalization.segment),
      keywords: bool(dir, fields.keywords, 'honours.personalization.keywords', base.personalization.keywords),
    },
  };
}

/** The prompt template version the model of `dir` was trained on (stylesprint.json's `prompt_version`); undefined when it names none. */
export function readPromptVersion(dir: string): string | undefined {
  const file = path.join(dir, STYLESPRINT_FILE);
  if (!existsSync(file)) return undefined;
  const version = (readFolderJson(file) as { prompt_version?: unknown } | null)?.prompt_version;
  if (version === undefined) return undefined;
  if (typeof version !== 'string' || !/^v\d+$/.test(version))
    fail(dir, 'prompt_version must be a template version such as "v3"');
  return version;
}
