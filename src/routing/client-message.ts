/**
 * What a client is told about a failed generation. An upstream error's
 * message carries the provider's response body, which may quote the prompt
 * back (and, from a misconfigured proxy, worse): clients get one fixed
 * sentence per error kind instead, and the body goes to the debug log. The
 * router's own messages (an unknown policy, a provider not configured, the
 * router closing) say nothing from upstream and pass as they are.
 */
import type { ProviderErrorKind } from '../../providers/types.js';
import { UnreachableCaseError } from '../errors/unreachable.js';
import { ROUTER_ID } from './executor.js';
import type { RoutedFailure } from './types.js';

function sentence(kind: ProviderErrorKind): string {
  switch (kind) {
    case 'rate_limited':
      return 'rate limited by the provider; try again later';
    case 'timeout':
      return 'no answer in time';
    case 'unavailable':
      return 'the provider is unavailable';
    case 'auth':
      return "the provider refused the gateway's credentials";
    case 'bad_request':
      return 'the provider refused the request as invalid';
    case 'content_filtered':
      return "the provider's content filter refused the request";
    case 'context_length':
      return "the prompt is longer than the model's context";
    default:
      throw new UnreachableCaseError(kind);
  }
}

/** A fixed sentence for the failure's kind, naming the provider; the router's own messages unchanged. */
export function clientMessage(failure: Pick<RoutedFailure, 'error' | 'code'>): string {
  const { error } = failure;
  if (error.providerId === ROUTER_ID || failure.code === 'PROVIDER_NOT_CONFIGURED') return error.message;
  return `${error.providerId}: ${sentence(error.kind)}`;
}
