import type { GenerationParameters } from '../../providers/types.js';
import { isPromptVersion } from '../prompts/build-prompt.js';
import { checkLocale, checkTone } from '../prompts/personalization.js';
import { DEFAULT_PROMPT_VERSION, type PromptVersion } from '../prompts/templates.js';
import { BadUserInputError } from '../errors/index.js';
import type { GenerationParamsFields, PersonalizationFields } from './types.js';

/** Limits on what a client may ask for; past them the item fails with BAD_USER_INPUT. */
export const PARAM_LIMITS = {
  maxTokens: 1024,
  stopStrings: 4,
  stopChars: 32,
  personalizationChars: 2_000,
  keywords: 10,
} as const;

/** A refused parameter: BAD_USER_INPUT, with a `reason` where one applies (INVALID_TONE, INVALID_LOCALE, UNSUPPORTED_LOCALE). */
export class ParamError extends Error {
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }

  /** As the GraphQL error a resolver throws. */
  toGraphQLError(): BadUserInputError {
    return new BadUserInputError(this.message, this.reason ? { reason: this.reason } : {});
  }
}

export interface CheckedParams {
  params: GenerationParameters;
  promptVersion: PromptVersion;
}

function inRange(name: string, value: number | null | undefined, min: number, max: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isFinite(value) || value < min || value > max)
    throw new ParamError(`${name} must be between ${min} and ${max}`);
  return value;
}

/** Validates generation parameters; throws ParamError with a client-facing message. */
export function checkParams(
  input: GenerationParamsFields | null | undefined,
  personalization: PersonalizationFields | null | undefined,
): CheckedParams {
  const params: GenerationParameters = {};
  const maxTokens = inRange('maxTokens', input?.maxTokens, 1, PARAM_LIMITS.maxTokens);
  const temperature = inRange('temperature', input?.temperature, 0, 2);
  const topP = inRange('topP', input?.topP, 0, 1);
  const seed = inRange('seed', input?.seed, 0, 2 ** 31 - 1);
  if (maxTokens !== undefined) params.maxTokens = maxTokens;
  if (temperature !== undefined) params.temperature = temperature;
  if (topP !== undefined) params.topP = topP;
  if (seed !== undefined) params.seed = seed;
  if (input?.stop?.length) {
    if (
      input.stop.length > PARAM_LIMITS.stopStrings ||
      input.stop.some((s) => s.length === 0 || s.length > PARAM_LIMITS.stopChars)
    ) {
      throw new ParamError(
        `stop takes at most ${PARAM_LIMITS.stopStrings} non-empty strings of at most ${PARAM_LIMITS.stopChars} characters`,
      );
    }
    params.stop = input.stop;
  }
  const version = input?.promptVersion ?? DEFAULT_PROMPT_VERSION;
  if (!isPromptVersion(version)) throw new ParamError(`unknown promptVersion ${JSON.stringify(version)}`);
  if (personalization) {
    const size = JSON.stringify(personalization).length;
    if (size > PARAM_LIMITS.personalizationChars)
      throw new ParamError(`personalization is larger than ${PARAM_LIMITS.personalizationChars} characters`);
    if ((personalization.keywords?.length ?? 0) > PARAM_LIMITS.keywords * 5)
      throw new ParamError(`too many keywords (at most ${PARAM_LIMITS.keywords} are used)`);
    // Tone and locale are closed sets, so neither can carry an instruction; segment and keywords reach prompts as quoted data.
    for (const check of [
      personalization.tone?.trim() && checkTone(personalization.tone),
      personalization.locale?.trim() && checkLocale(personalization.locale),
    ]) {
      if (check && !check.ok) throw new ParamError(check.message, check.reason);
    }
  }
  return { params, promptVersion: version };
}
