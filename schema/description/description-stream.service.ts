import type { GatewayContext } from '../../src/context.js';
import { AsyncChannel } from '../../src/async-channel.js';
import { ErrorCode, GatewayError, NotFoundError } from '../../src/errors/index.js';
import { DEFAULT_PROMPT_VERSION } from '../../src/prompts/templates.js';
import { WordChunker, wordGroups } from '../../src/streaming/word-chunker.js';
import type { ProductRecord } from '../../src/storage/types.js';
import { DescriptionSource } from './description.type.js';
import type { PersonalizationInput } from './description.input.js';
import { normalizePersonalization, personalizationKey } from './personalization.js';
import { checkParams, ParamError } from './params.js';
import { PERSONALIZATION_POLICY } from './description.resolver.js';
import type { GenerateItem } from './description.service.js';
import { StreamEventType, type DescriptionStreamEvent } from './description-stream.type.js';

export type StreamPayload = { event: DescriptionStreamEvent } | { error: GatewayError };

export interface StreamArgs {
  productId: string;
  personalization?: PersonalizationInput | null;
  provider?: string | null;
  /** Generate anew even when a stored description matches. Default false. */
  regenerate?: boolean | null;
}

/** Shortest gap between two streamed chunks (and longest wait for a word's end), ms. */
const CHUNK_INTERVAL_MS = 50;
/** Words per event when a stored description is replayed. */
const REPLAY_WORDS = 4;

/** A failed generation's code as the stream's error code: the client's mistakes and a pin to an unconfigured provider keep theirs. */
const streamErrorCode = (code: string): ErrorCode =>
  code === ErrorCode.BAD_USER_INPUT || code === ErrorCode.PROVIDER_NOT_CONFIGURED ? (code as ErrorCode) : ErrorCode.PROVIDER_UNAVAILABLE;

const token = (index: number, piece: string, replay: boolean): StreamPayload => ({ event: { type: StreamEventType.TOKEN, index, token: piece, description: null, replay } });

/**
 * The events of one `descriptionStream`: a stored description that matches
 * the request (product, personalization, pinned provider), replayed without
 * calling a provider, unless `regenerate` is set or none is stored; else a
 * streamed generation.
 */
export async function* streamDescription(ctx: GatewayContext, args: StreamArgs): AsyncGenerator<StreamPayload> {
  try {
    checkParams(null, args.personalization);
  } catch (error) {
    if (!(error instanceof ParamError)) throw error;
    yield { error: error.toGraphQLError() };
    return;
  }
  const unknown = ctx.services.descriptions.unknownProvider(args.provider);
  if (unknown) {
    yield { error: unknown };
    return;
  }
  const product = await ctx.loaders.productById.load(args.productId);
  if (!product) {
    yield { error: new NotFoundError('product', args.productId) };
    return;
  }
  const personalization = normalizePersonalization(args.personalization);
  if (!args.regenerate) {
    const [stored] = await ctx.storage.latestDescriptions([{ productId: product.id, personalizationKey: personalizationKey(personalization), provider: args.provider ?? null }]);
    if (stored) {
      // Replayed as the content team left it: its current version, with its status.
      const [description] = await ctx.services.descriptions.describe([stored], DescriptionSource.CACHED);
      const groups = wordGroups(description!.text, REPLAY_WORDS);
      for (const [index, piece] of groups.entries()) yield token(index, piece, true);
      yield { event: { type: StreamEventType.DONE, index: groups.length, token: null, description: description!, replay: true } };
      return;
    }
  }
  yield* generateStream(ctx, product, args.provider ?? null, personalization);
}

/**
 * Runs one streamed generation and yields its events. Failover happens only
 * before the first token (in the router); a break after it becomes a
 * STREAM_INTERRUPTED error event, never a silently truncated success.
 */
async function* generateStream(ctx: GatewayContext, product: ProductRecord, provider: string | null, personalization: GenerateItem['personalization']): AsyncGenerator<StreamPayload> {
  const controller = new AbortController();
  const item: GenerateItem = {
    product,
    policy: PERSONALIZATION_POLICY,
    provider,
    personalization,
    params: {},
    promptVersion: DEFAULT_PROMPT_VERSION,
    ...(ctx.principal ? { requestedBy: { name: ctx.principal.name, role: ctx.principal.role } } : {}),
  };
  const service = ctx.services.descriptions;
  const request = service.buildRequest(item);
  const channel = new AsyncChannel<StreamPayload>();
  let index = 0;
  const chunker = new WordChunker({ intervalMs: CHUNK_INTERVAL_MS, emit: (piece) => channel.push(token(index++, piece, false)) });
  const done = ctx.services.router
    .stream(request, { policy: item.policy, provider, signal: controller.signal, bypassCache: true, onToken: (piece) => chunker.push(piece) })
    .then(async (routed) => {
      // What the provider sent before it ended (or broke) reaches the client before the outcome.
      chunker.flush();
      if (!routed.ok && routed.interrupted) {
        // The upstream message may quote the prompt back: the client gets the fact, the debug log the detail.
        ctx.logger.debug({ provider: routed.error.providerId, detail: routed.error.message }, 'description stream interrupted');
        channel.push({ error: new GatewayError(ErrorCode.STREAM_INTERRUPTED, `the stream from ${routed.error.providerId} broke after ${index} chunk(s)`) });
        return;
      }
      const outcome = await service.settle(item, request, routed);
      channel.push(
        outcome.ok
          ? { event: { type: StreamEventType.DONE, index, token: null, description: outcome.description, replay: false } }
          : { error: new GatewayError(streamErrorCode(outcome.error.code), outcome.error.message, outcome.error.reason ? { reason: outcome.error.reason } : {}) },
      );
    })
    .catch((error: unknown) => {
      ctx.logger.error({ err: error }, 'description stream failed');
      channel.push({ error: new GatewayError(ErrorCode.INTERNAL, 'Internal server error') });
    })
    .finally(() => channel.close());
  try {
    for await (const payload of channel) {
      yield payload;
      if ('error' in payload) return;
    }
    await done;
  } finally {
    // The client unsubscribed or the stream ended: stop generating.
    chunker.close();
    controller.abort();
  }
}
