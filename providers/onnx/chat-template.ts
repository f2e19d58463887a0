/**
 * A model folder's chat template (the Jinja text an instruct model was
 * trained with), rendered with @huggingface/jinja the way transformers'
 * `apply_chat_template` renders it: the messages, the tokenizer's special
 * token strings, `add_generation_prompt` and a `strftime_now` global. Pure:
 * reading the folder is model-folder.ts's job, and the clock is injected.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import type { GenerationRequest } from '../types.js';
import { ModelFolderError, tokenStringField, type ModelFolder } from './model-folder.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The parts of jinja's Environment and Interpreter used here, as its
 * declaration files state them: index.d.ts reaches them through
 * extensionless relative imports, which NodeNext resolution does not follow.
 */
interface JinjaEnvironment {
  set(name: string, value: unknown): unknown;
}
const JinjaEnvironmentClass = Environment as unknown as new () => JinjaEnvironment;
const JinjaInterpreterClass = Interpreter as unknown as new (env: JinjaEnvironment) => {
  run(program: Template['parsed']): { value: unknown };
};

export interface ChatTemplate {
  /** The template's Jinja source, as found. */
  readonly source: string;
  /** The prompt for `messages`, ending where the assistant's turn starts. */
  render(messages: readonly ChatMessage[]): string;
}

export interface ChatTemplateOptions {
  /** Clock for the templates that print today's date (Llama 3.x). Default: () => new Date(). */
  now?: () => Date;
}

/** The file newer transformers releases write the template to; it wins over tokenizer_config.json's field. */
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function monthName(names: readonly string[], date: Date): string {
  const name = names[date.getMonth()];
  if (name === undefined) throw new RangeError('strftime: an invalid date has no month');
  return name;
}

/**
 * Python's `strftime` for the directives chat templates use, in the C locale
 * that transformers renders in (jinja's own global uses the host's locale for
 * month names, which would make the prompt depend on the machine).
 */
export function strftime(date: Date, format: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return format.replace(/%[YmdbBHMSyj%]/g, (token) => {
    switch (token) {
      case '%Y':
        return String(date.getFullYear());
      case '%y':
        return pad(date.getFullYear() % 100);
      case '%m':
        return pad(date.getMonth() + 1);
      case '%d':
        return pad(date.getDate());
      case '%b':
        return monthName(MONTHS, date);
      case '%B':
        return monthName(LONG_MONTHS, date);
      case '%H':
        return pad(date.getHours());
      case '%M':
        return pad(date.getMinutes());
      case '%S':
        return pad(date.getSeconds());
      case '%j': {
        const start = new Date(date.getFullYear(), 0, 1);
        return String(Math.floor((date.getTime() - start.getTime()) / 86_400_000) + 1).padStart(3, '0');
      }
      default:
        return '%';
    }
  });
}

/** Python's range(stop) / range(start, stop[, step]). */
function range(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error('range() step must not be zero');
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
}

/** The globals jinja's own Template.render sets, less its clock-reading strftime_now. */
const JINJA_GLOBALS: Record<string, unknown> = {
  true: true,
  false: false,
  none: null,
  True: true,
  False: false,
  None: null,
  range,
  raise_exception: (message: string) => {
    throw new Error(message);
  },
};

/**
 * The template text of a folder: `chat_template.jinja`, else
 * tokenizer_config.json's `chat_template` (a string, or a list of named
 * templates of which the one named "default" is used). Null without one.
 */
export function findChatTemplate(folder: Pick<ModelFolder, 'dir' | 'tokenizerConfig'>): string | null {
  const file = path.join(folder.dir, CHAT_TEMPLATE_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const field = folder.tokenizerConfig.chat_template;
  if (field === undefined || field === null) return null;
  if (typeof field === 'string') return field;
  if (Array.isArray(field)) {
    const named = (field as Array<{ name?: unknown; template?: unknown } | null>).find(
      (t): t is { name: string; template: string } => typeof t?.template === 'string' && t.name === 'default',
    );
    if (named) return named.template;
  }
  throw new ModelFolderError(
    `${folder.dir}: tokenizer_config.json's chat_template must be a string or a list with a "default" entry`,
  );
}

/** Compiles a template once; a template that does not parse is a ModelFolderError naming the folder. */
export function compileChatTemplate(
  source: string,
  folder: Pick<ModelFolder, 'dir' | 'tokenizerConfig'>,
  options: ChatTemplateOptions = {},
): ChatTemplate {
  let template: Template;
  try {
    template = new Template(source);
  } catch (cause) {
    throw new ModelFolderError(`${folder.dir}: the chat template does not parse: ${(cause as Error).message}`, {
      cause,
    });
  }
  const now = options.now ?? (() => new Date());
  // transformers passes the special tokens map: a token the tokenizer lacks is None, which a template tests with `is none`.
  const special = Object.fromEntries(
    ['bos_token', 'eos_token', 'unk_token', 'pad_token'].map((key) => [
      key,
      tokenStringField(folder.tokenizerConfig, key) ?? null,
    ]),
  );
  return {
    source,
    render(messages) {
      // Template.render's globals cannot be overridden (its strftime_now reads the real clock), so the environment is built here.
      const env = new JinjaEnvironmentClass();
      const variables: Record<string, unknown> = {
        ...JINJA_GLOBALS,
        strftime_now: (format: string) => strftime(now(), format),
        ...special,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: true,
      };
      for (const [name, value] of Object.entries(variables)) env.set(name, value);
      return String(new JinjaInterpreterClass(env).run(template.parsed).value);
    },
  };
}

/** The folder's compiled chat template, or null when it has none. */
export function loadChatTemplate(
  folder: Pick<ModelFolder, 'dir' | 'tokenizerConfig'>,
  options: ChatTemplateOptions = {},
): ChatTemplate | null {
  const source = findChatTemplate(folder);
  return source === null ? null : compileChatTemplate(source, folder, options);
}

/** A request as chat messages: the system part (brand voice and rules) when it has one, and the user part (the product and the personalization). */
export function chatMessages(request: Pick<GenerationRequest, 'system' | 'prompt'>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  messages.push({ role: 'user', content: request.prompt });
  return messages;
}
