/**
 * What a generation costs for budgets, from the same price table as a
 * description's `estimatedCostUsd`. Pure.
 *
 * Before a call the cost is not known, so the check uses an upper estimate:
 * prompt tokens (one per four characters of prompt and system text) at the
 * input price plus the request's `maxTokens` (or DEFAULT_COMPLETION_ESTIMATE
 * when it sets none) at the output price, for the dearest provider the route
 * may use. After the call the actual cost replaces it:
 * - the text that came back, at its reported tokens (or the rough count of
 *   its text when the provider reported none, as some streams do);
 * - every attempt that timed out, at the upper estimate for its provider: the
 *   provider may have finished and billed it after we stopped waiting, so a
 *   retry is never free;
 * - a stream cut after some text reached the client: the prompt and the text
 *   streamed;
 * - nothing for a result served from the cache or shared with an identical
 *   request in flight (no call was made for it).
 */
import type { GenerationRequest } from '../../providers/types.js';
import { estimateCostUsd, type ModelPrice } from '../pricing.js';
import type { Routed } from '../routing/types.js';

/** A provider as pricing sees it. */
export interface PricedProvider {
  kind: string;
  model: string;
}

/** Completion tokens assumed for a request without `maxTokens`: the most a client may ask for. */
export const DEFAULT_COMPLETION_ESTIMATE = 1024;

/** Rough token count of a text: one per four characters, rounded up. */
export const roughTokens = (text: string): number => Math.ceil(text.length / 4);

const promptTokensOf = (request: Pick<GenerationRequest, 'prompt' | 'system'>): number =>
  roughTokens(request.prompt) + roughTokens(request.system ?? '');

/** USD at list price; 0 for a local model or a model without a price (nothing to cap). */
function priced(
  prices: Record<string, ModelPrice>,
  provider: PricedProvider,
  promptTokens: number,
  completionTokens: number,
): number {
  return estimateCostUsd(prices, provider.kind, provider.model, promptTokens, completionTokens) ?? 0;
}

/** The upper estimate of one call of `request` to `provider`. */
export function upfrontCost(
  prices: Record<string, ModelPrice>,
  provider: PricedProvider,
  request: Pick<GenerationRequest, 'prompt' | 'system' | 'maxTokens'>,
): number {
  return priced(prices, provider, promptTokensOf(request), request.maxTokens ?? DEFAULT_COMPLETION_ESTIMATE);
}

/** The upper estimate over every provider the route may use. */
export function worstUpfrontCost(
  prices: Record<string, ModelPrice>,
  candidates: readonly PricedProvider[],
  request: Pick<GenerationRequest, 'prompt' | 'system' | 'maxTokens'>,
): number {
  return candidates.reduce((max, p) => Math.max(max, upfrontCost(prices, p, request)), 0);
}

export interface ChargeInput {
  request: Pick<GenerationRequest, 'prompt' | 'system' | 'maxTokens'>;
  routed: Routed & { interrupted?: boolean };
  /** Characters a stream had sent when it ended. Default 0. */
  streamedChars?: number;
}

/** The actual cost of one routed generation, by the rules above. `providerOf` maps a provider id to its kind and model. */
export function actualCost(
  prices: Record<string, ModelPrice>,
  providerOf: (id: string) => PricedProvider | undefined,
  input: ChargeInput,
): number {
  const { request, routed } = input;
  if (routed.ok && routed.cached) return 0;
  let usd = 0;
  // A cut stream's last attempt is charged for what it streamed, below.
  const settled = !routed.ok && routed.interrupted ? routed.attempts.slice(0, -1) : routed.attempts;
  for (const attempt of settled) {
    const provider = providerOf(attempt.provider);
    if (attempt.errorKind === 'timeout' && provider)
      usd += upfrontCost(prices, { kind: provider.kind, model: attempt.model || provider.model }, request);
  }
  if (routed.ok) {
    const { result } = routed;
    const provider = providerOf(result.providerId);
    if (provider) {
      usd += priced(
        prices,
        { kind: provider.kind, model: result.model },
        result.promptTokens || promptTokensOf(request),
        result.completionTokens || roughTokens(result.text),
      );
    }
  } else if (routed.interrupted) {
    const provider = providerOf(routed.error.providerId);
    if (provider) usd += priced(prices, provider, promptTokensOf(request), Math.ceil((input.streamedChars ?? 0) / 4));
  }
  return usd;
}
