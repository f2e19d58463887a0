/**
 * The generation cache key: everything that can change the text. Pure.
 *
 * Built from `request.parts` (product id, prompt version, personalization),
 * the route (policy, pinned provider, and each candidate provider with its
 * model, so a model change never serves stale text), the sampling
 * parameters, and a hash of the rendered prompt and system line (two prompts
 * built from the same parts are the same prompt, so this costs no hits; it
 * guards against callers that render prompts differently).
 */
import { hash } from 'node:crypto';
import type { GenerationRequest } from '../../providers/types.js';

/** JSON with object keys sorted and `undefined` dropped, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export interface CacheRoute {
  policy: string;
  /** The pinned provider, or null when the policy chooses. */
  pinned: string | null;
  /** `provider:model` of each candidate target, in policy order. */
  models: string[];
}

export function generationCacheKey(request: GenerationRequest, route: CacheRoute): string {
  // One-shot crypto.hash: half the cost of a createHash object for inputs this small.
  const promptHash = hash('sha256', `${request.system ?? ''}\u0000${request.prompt}`, 'base64url');
  const key = {
    product: request.parts.product.id,
    promptVersion: request.parts.promptVersion,
    personalization: request.parts.personalization ?? null,
    route,
    params: {
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      seed: request.seed,
      stop: request.stop,
    },
    promptHash,
  };
  return hash('sha256', canonicalJson(key), 'base64url');
}
