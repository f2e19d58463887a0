import type { Logger } from 'pino';
import type {
  GenerationParameters,
  GenerationRequest,
  GenerationResult,
  Personalization,
  ProductFacts,
  ProviderError,
} from '../../providers/types.js';
import type { ProviderRegistry } from '../../providers/index.js';
import { AsyncChannel } from '../async-channel.js';
import { PROVIDER_IDS } from '../config.js';
import { BadUserInputError, ErrorCode, GatewayError, NotFoundError } from '../errors/index.js';
import { WordChunker, wordGroups } from '../streaming/word-chunker.js';
import type { DescriptionInput, DescriptionRecord, DescriptionStore, ProductRecord } from '../storage/types.js';
import type { GenerationRouter, Routed, RoutedFailure, RoutedSuccess } from '../routing/types.js';
import { clientMessage } from '../routing/client-message.js';
import { buildPrompt, isPromptVersion, type BuiltPrompt } from '../prompts/build-prompt.js';
import { DEFAULT_PROMPT_VERSION, TEMPLATES, type PromptVersion } from '../prompts/templates.js';
import { checkDescription, flagRecord, type DescriptionCheckResult } from '../evaluation/checks/index.js';
import { verdictOf, type Verdict } from '../evaluation/checks/verdict.js';
import { estimateCostUsd, type ModelPrice } from '../pricing.js';
import { budgetExceededError, type BudgetGuard, type Payer, type Reservation } from '../budgets/guard.js';
import type { ChargeInput } from '../budgets/charge.js';
import type { PublicationService } from '../publication/publication.service.js';
import { sameSlot, slotOf, DEFAULT_CHANNEL, type Slot } from '../publication/slot.js';
import type { ActorRecord, PublicationEntry } from '../storage/publication-types.js';
import { checkParams, ParamError } from './params.js';
import { normalizePersonalization, personalizationKey } from './personalization.js';
import type { DescriptionWarningCode } from './types.js';
import {
  DescriptionSource,
  DescriptionStatus,
  StreamEventType,
  type Description,
  type DescriptionStreamEvent,
  type GenerationError,
  type PersonalizationFields,
} from './types.js';
import { capabilityWarnings, warningFlag, WARNING_CATEGORY } from './warnings.js';

/** Policy used by generateDescriptions and descriptionStream unless the request names one. */
export const PERSONALIZATION_POLICY = 'personalization';

/** One description to write. */
export interface GenerateItem {
  product: ProductRecord;
  policy: string;
  provider?: string | null;
  personalization?: Personalization | undefined;
  params: GenerationParameters;
  promptVersion: PromptVersion;
  /** A catalog job writing this description: stored as `parameters.jobId`, which makes its chunks idempotent. Default none. */
  jobId?: string;
  /** Generate anew even when the cache holds this request (a regeneration). Default false. */
  bypassCache?: boolean;
  /** The sales channel of the slot the text is written for. Default "web". */
  channel?: string;
  /** Who asked for the text, recorded in its history. Default: the gateway ("generation"). */
  requestedBy?: ActorRecord;
}

export type GenerateOutcome = { ok: true; description: Description } | { ok: false; error: GenerationError };

/** What descriptionStream asks for. */
export interface StreamArgs {
  productId: string;
  personalization?: PersonalizationFields | null;
  provider?: string | null;
  /** Generate anew even when a stored description matches. Default false. */
  regenerate?: boolean | null;
}

/** Per stream: the request's logger, product lookup (its loader) and payer. */
export interface StreamScope {
  logger: Logger;
  product(id: string): Promise<ProductRecord | null>;
  /** Who pays for the generation under BUDGETS. Default: no one (no caps apply). */
  payer?: Payer | undefined;
  /** Who asked for the text, recorded in its history. Default: the gateway ("generation"). */
  requestedBy?: ActorRecord | undefined;
}

/** One event of a stream, or the error that ends it. */
export type StreamPayload = { event: DescriptionStreamEvent } | { error: GatewayError };

/** Shortest gap between two streamed chunks (and longest wait for a word's end), ms. */
const CHUNK_INTERVAL_MS = 50;
/** Words per event when a stored description is replayed. */
const REPLAY_WORDS = 4;

/** The codes a failed generation keeps on the stream: the client's mistakes and a pin to an unconfigured provider. */
const KEPT_STREAM_CODES = new Map<string, ErrorCode>(
  [ErrorCode.BAD_USER_INPUT, ErrorCode.PROVIDER_NOT_CONFIGURED].map((c) => [c, c]),
);

/** A failed generation's code as the stream's error code. */
const streamErrorCode = (code: string): ErrorCode => KEPT_STREAM_CODES.get(code) ?? ErrorCode.PROVIDER_UNAVAILABLE;

const token = (index: number, piece: string, replay: boolean): StreamPayload => ({
  event: { type: StreamEventType.TOKEN, index, token: piece, description: null, replay },
});

function promptPart(built: BuiltPrompt): { prompt: string; system?: string } {
  return built.system ? { prompt: built.prompt, system: built.system } : { prompt: built.prompt };
}

/** The client's error for a generation that came back empty. */
function emptyGeneration(item: GenerateItem, routed: RoutedSuccess): GenerateOutcome {
  return {
    ok: false,
    error: {
      productId: item.product.id,
      code: 'PROVIDER_UNAVAILABLE',
      message: `${routed.result.providerId} returned an empty description`,
      attempts: routed.attempts,
    },
  };
}

/** The STREAM_INTERRUPTED error for a stream that broke after `chunks` chunks; the detail goes to the debug log. */
function interruptedPayload(error: ProviderError, chunks: number, logger: Logger): StreamPayload {
  // The upstream message may quote the prompt back: the client gets the fact, the debug log the detail.
  logger.debug({ provider: error.providerId, detail: error.message }, 'description stream interrupted');
  return {
    error: new GatewayError(
      ErrorCode.STREAM_INTERRUPTED,
      `the stream from ${error.providerId} broke after ${chunks} chunk(s)`,
    ),
  };
}

/** A settled stream's last payload: DONE with the stored description (at `index`), or the generation's error. */
function outcomePayload(outcome: GenerateOutcome, index: number): StreamPayload {
  return outcome.ok
    ? { event: { type: StreamEventType.DONE, index, token: null, description: outcome.description, replay: false } }
    : {
        error: new GatewayError(
          streamErrorCode(outcome.error.code),
          outcome.error.message,
          outcome.error.reason ? { reason: outcome.error.reason } : {},
        ),
      };
}

export function productFacts(p: ProductRecord): ProductFacts {
  return {
    id: p.id,
    title: p.title,
    category: p.category,
    attributes: p.attributes,
    colors: p.colors,
    materials: p.materials,
  };
}

/**
 * A stored description as the API shows it: with its lifecycle state when it
 * has one, and then the text of `entry.version` (the current version, or the
 * live one for a shopper).
 */
export function toDescription(
  r: DescriptionRecord,
  source: DescriptionSource,
  stale = false,
  entry: PublicationEntry | null = null,
): Description {
  const p = r.personalization as Personalization | null;
  return {
    ...r,
    text: entry?.version.text ?? r.text,
    status: entry ? DescriptionStatus[entry.state.status] : null,
    version: entry?.version.version ?? null,
    publishedVersion: entry?.state.publishedVersion ?? null,
    slot: entry
      ? { locale: entry.state.slot.locale, channel: entry.state.slot.channel, segment: entry.state.slot.segment }
      : null,
    storedCheck: entry?.version.check ?? null,
    personalization: p
      ? { segment: p.segment ?? null, tone: p.tone ?? null, locale: p.locale ?? null, keywords: p.keywords ?? [] }
      : null,
    flags: r.flags
      .filter((f) => f.category !== WARNING_CATEGORY)
      .map((f) => ({
        code: f.code,
        category: f.category,
        message: f.message,
        start: f.start ?? null,
        end: f.end ?? null,
        suggestion: f.suggestion ?? null,
      })),
    warnings: r.flags
      .filter((f) => f.category === WARNING_CATEGORY)
      .map((f) => ({ code: f.code as DescriptionWarningCode, message: f.message })),
    source,
    stale,
  };
}

/** The human reference, served when nothing is published for the slot; `stale` when that is because generation failed. */
export function referenceDescription(p: ProductRecord, stale = true): Description | null {
  if (!p.referenceDescription) return null;
  return {
    id: `reference:${p.id}`,
    productId: p.id,
    text: p.referenceDescription,
    provider: 'reference',
    model: 'human',
    promptVersion: 'none',
    personalization: null,
    finishReason: 'stop',
    latencyMs: 0,
    promptTokens: 0,
    completionTokens: 0,
    estimatedCostUsd: 0,
    attempts: [],
    flags: [],
    warnings: [],
    attributeCoverage: null,
    source: DescriptionSource.REFERENCE,
    stale,
    createdAt: p.updatedAt,
    status: null,
    version: null,
    publishedVersion: null,
    slot: null,
    storedCheck: null,
  };
}

export interface DescriptionServiceOptions {
  /** Told the verdict of every generation checked and stored (the quality breaker): its flags with the fact check the lifecycle stored for it. Default: none. */
  onVerdict?: (provider: string, model: string, verdict: Verdict) => void;
  /** Spending caps (BUDGETS), checked for requests that name a payer. Default: none. */
  budgets?: BudgetGuard | null;
}

/** Writes descriptions through the router, checks and stores them, and hands them to the publication policy. Shared by every request. */
export class DescriptionService {
  constructor(
    private readonly store: DescriptionStore,
    private readonly router: GenerationRouter,
    private readonly registry: ProviderRegistry,
    private readonly prices: Record<string, ModelPrice>,
    private readonly logger: Logger,
    readonly publication: PublicationService,
    private readonly options: DescriptionServiceOptions = {},
  ) {}

  /** Stored descriptions as the API shows them, each with its lifecycle state and current text. */
  async describe(records: readonly DescriptionRecord[], source: DescriptionSource): Promise<Description[]> {
    const entries = await this.publication.entries(records.map((r) => r.id));
    return records.map((r, i) => toDescription(r, source, false, entries[i] ?? null));
  }

  /**
   * Reserves the upper estimate of these generations under the payer's caps,
   * before any provider is called. Null when no cap applies (no payer, no
   * BUDGETS); a refusal carries the client's BUDGET_EXCEEDED error.
   */
  private async reserveBudget(
    payer: Payer | undefined,
    routes: ReadonlyArray<{ item: GenerateItem; request: GenerationRequest }>,
    http: boolean,
  ): Promise<{ ok: true; reservation: Reservation | null } | { ok: false; error: GatewayError }> {
    const budgets = this.options.budgets;
    if (!budgets || !payer) return { ok: true, reservation: null };
    const usd = budgets.estimate(
      routes.map(({ item, request }) => ({ policy: item.policy, provider: item.provider ?? null, request })),
    );
    const reserved = await budgets.reserve(payer, usd);
    return reserved.ok
      ? { ok: true, reservation: reserved.reservation }
      : { ok: false, error: budgetExceededError(reserved.refusal, { http }) };
  }

  /** Settles a reservation to what the generations actually cost (streamed and retried calls included). */
  private async chargeBudget(reservation: Reservation | null, charges: readonly ChargeInput[]): Promise<void> {
    const budgets = this.options.budgets;
    if (!budgets || !reservation) return;
    await budgets
      .settle(reservation, budgets.cost(charges))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'budget not settled'));
  }

  /**
   * A client error when `provider` names no provider this gateway knows, with
   * the known names; null for no pin or a known name. A known provider that
   * is not configured here is the router's PROVIDER_NOT_CONFIGURED instead.
   */
  unknownProvider(provider: string | null | undefined): BadUserInputError | null {
    if (provider === null || provider === undefined) return null;
    const known = [...new Set([...PROVIDER_IDS, ...this.registry.allGenerators().map((g) => g.id)])];
    if (known.includes(provider)) return null;
    return new BadUserInputError(
      `unknown provider ${JSON.stringify(provider.slice(0, 64))}: known providers are ${known.join(', ')}`,
      {
        reason: 'UNKNOWN_PROVIDER',
        argument: 'provider',
        known,
      },
    );
  }

  buildRequest(item: GenerateItem): GenerationRequest {
    const facts = productFacts(item.product);
    const render = (version: PromptVersion) =>
      buildPrompt(facts, { version, ...(item.personalization ? { personalization: item.personalization } : {}) });
    const built = render(item.promptVersion);
    const request: GenerationRequest = {
      ...item.params,
      prompt: built.prompt,
      parts: {
        product: facts,
        promptVersion: built.version,
        ...(item.personalization ? { personalization: item.personalization } : {}),
      },
    };
    if (built.system) request.system = built.system;
    // A model trained on another template (the bundled one: v3) is sent that one: it reads no other.
    const others = this.trainedVersions().filter((v) => v !== built.version);
    if (others.length) request.promptVariants = Object.fromEntries(others.map((v) => [v, promptPart(render(v))]));
    return request;
  }

  /** The template versions that configured generators were trained on (TextGenerator.promptVersion). */
  private trainedVersions(): PromptVersion[] {
    const versions = this.registry.allGenerators().map((g) => g.promptVersion);
    return [...new Set(versions.filter((v): v is PromptVersion => v !== undefined && isPromptVersion(v)))];
  }

  /** The version and prompt a provider was actually sent: its own template's variant when it has one. */
  private sentTo(
    providerId: string,
    request: GenerationRequest,
    requested: PromptVersion,
  ): { version: PromptVersion; prompt: string } {
    const own = this.registry.allGenerators().find((g) => g.id === providerId)?.promptVersion;
    const variant = own && isPromptVersion(own) ? request.promptVariants?.[own] : undefined;
    return variant
      ? { version: own as PromptVersion, prompt: variant.prompt }
      : { version: requested, prompt: request.prompt };
  }

  /**
   * One outcome per item, in order: one batched router call for all of them.
   * With a payer under BUDGETS, the whole call is refused (BUDGET_EXCEEDED,
   * thrown) when the caps have no room for its upper estimate.
   */
  async generate(items: GenerateItem[], signal?: AbortSignal, payer?: Payer): Promise<GenerateOutcome[]> {
    const jobs = items.map((item) => ({ item, request: this.buildRequest(item) }));
    const budget = await this.reserveBudget(payer, jobs, true);
    if (!budget.ok) throw budget.error;
    const routed = await this.router.generate(
      jobs.map(({ item, request }) => ({
        request,
        options: {
          policy: item.policy,
          provider: item.provider ?? null,
          ...(signal ? { signal } : {}),
          ...(item.bypassCache ? { bypassCache: true } : {}),
        },
      })),
    );
    // The router returns one result per request, in order.
    const settled = routed.map((r, i) => {
      const job = jobs[i];
      if (job === undefined) throw new Error(`generate: ${routed.length} results for ${jobs.length} requests`);
      return { ...job, routed: r };
    });
    await this.chargeBudget(budget.reservation, settled);
    return Promise.all(settled.map((s) => this.settle(s.item, s.request, s.routed)));
  }

  /** Stores a finished generation (also used by streaming) and returns it as a Description. */
  async settle(item: GenerateItem, request: GenerationRequest, routed: Routed): Promise<GenerateOutcome> {
    if (!routed.ok) return this.failedGeneration(item, routed);
    const key = personalizationKey(item.personalization);
    const slot = slotOf(item.product.id, item.personalization, item.channel ?? DEFAULT_CHANNEL);
    const { result } = routed;
    // A model that stops at once has written nothing worth storing or showing.
    if (result.text.trim() === '') return emptyGeneration(item, routed);
    if (routed.cached) {
      const cached = await this.cachedDescription(item, key, slot, result);
      if (cached) return { ok: true, description: cached };
    }
    const sent = this.sentTo(result.providerId, request, item.promptVersion);
    const checks = checkDescription({
      text: result.text,
      prompt: sent.prompt,
      ...(item.product.referenceDescription ? { reference: item.product.referenceDescription } : {}),
      attributes: item.product.attributes,
      gender: item.product.gender,
    });
    const input = this.descriptionInput(item, routed, sent.version, key, checks);
    // Stored, admitted and its lifecycle events recorded in one transaction.
    const entry = await this.publication.storeGenerated(input, item.product, slot, item.requestedBy);
    this.reportChecks(result, entry, checks);
    return { ok: true, description: toDescription(entry.description, DescriptionSource.GENERATED, false, entry) };
  }

  /** A failed route as the client's error, its detail logged at debug. */
  private failedGeneration(item: GenerateItem, routed: RoutedFailure): GenerateOutcome {
    // The upstream message may quote the prompt back: the client gets a fixed sentence, the log (at debug) the detail.
    this.logger.debug(
      {
        productId: item.product.id,
        provider: routed.error.providerId,
        kind: routed.error.kind,
        detail: routed.error.message,
      },
      'generation failed',
    );
    return {
      ok: false,
      error: {
        productId: item.product.id,
        code: routed.code,
        message: clientMessage(routed),
        attempts: routed.attempts,
      },
    };
  }

  /** The stored row a cached generation came from, when it still holds that text for this slot; else null. */
  private async cachedDescription(
    item: GenerateItem,
    key: string,
    slot: Slot,
    result: GenerationResult,
  ): Promise<Description | null> {
    // The text is already stored for this slot: the same row, in whatever state the content team left it.
    const [existing] = await this.store.latestDescriptions([
      { productId: item.product.id, personalizationKey: key, provider: result.providerId },
    ]);
    const [entry] = existing && existing.text === result.text ? await this.publication.entries([existing.id]) : [null];
    if (existing && entry && sameSlot(entry.state.slot, slot))
      return toDescription(existing, DescriptionSource.CACHED, false, entry);
    return null;
  }

  /** The row to store for a checked generation: its cost, the checks' flags and the writer's capability warnings. */
  private descriptionInput(
    item: GenerateItem,
    { result, attempts }: RoutedSuccess,
    promptVersion: PromptVersion,
    key: string,
    checks: DescriptionCheckResult,
  ): DescriptionInput {
    const writer = this.registry.allGenerators().find((g) => g.id === result.providerId);
    const kind = writer?.kind ?? result.providerId;
    const warnings = capabilityWarnings(item.personalization, TEMPLATES[promptVersion], {
      id: result.providerId,
      model: result.model,
      honours: writer?.capabilities.honours,
    });
    return {
      productId: item.product.id,
      text: result.text,
      provider: result.providerId,
      model: result.model,
      promptVersion,
      personalizationKey: key,
      personalization: (item.personalization as Record<string, unknown> | undefined) ?? null,
      parameters: { ...item.params, ...(item.jobId ? { jobId: item.jobId } : {}) },
      finishReason: result.finishReason,
      latencyMs: result.latencyMs,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      estimatedCostUsd: estimateCostUsd(this.prices, kind, result.model, result.promptTokens, result.completionTokens),
      attempts,
      flags: [...checks.flags.map(flagRecord), ...warnings.map(warningFlag)],
      attributeCoverage: checks.attributeCoverage,
    };
  }

  /**
   * Logs a stored description's flags and tells the quality breaker its
   * verdict. The fact check is the one the lifecycle ran and stored with
   * version 1 (publication.service.ts admission), not a second run of it.
   */
  private reportChecks(result: GenerationResult, entry: PublicationEntry, checks: DescriptionCheckResult): void {
    const descriptionId = entry.description.id;
    if (checks.flags.length)
      this.logger.info({ descriptionId, flags: checks.flags.map((f) => f.code) }, 'description flagged by checks');
    this.options.onVerdict?.(
      result.providerId,
      result.model,
      verdictOf({ flags: checks.flags, factCheck: entry.version.check }),
    );
  }

  /**
   * The events of one `descriptionStream`: a stored description that matches
   * the request (product, personalization, pinned provider), replayed without
   * calling a provider, unless `regenerate` is set or none is stored; else a
   * streamed generation.
   */
  async *stream(args: StreamArgs, scope: StreamScope): AsyncGenerator<StreamPayload> {
    try {
      checkParams(null, args.personalization);
    } catch (error) {
      if (!(error instanceof ParamError)) throw error;
      yield { error: error.toGraphQLError() };
      return;
    }
    const unknown = this.unknownProvider(args.provider);
    if (unknown) {
      yield { error: unknown };
      return;
    }
    const product = await scope.product(args.productId);
    if (!product) {
      yield { error: new NotFoundError('product', args.productId) };
      return;
    }
    const personalization = normalizePersonalization(args.personalization);
    if (!args.regenerate) {
      const [stored] = await this.store.latestDescriptions([
        {
          productId: product.id,
          personalizationKey: personalizationKey(personalization),
          provider: args.provider ?? null,
        },
      ]);
      if (stored) {
        // Replayed as the content team left it: its current version, with its status.
        const [description] = await this.describe([stored], DescriptionSource.CACHED);
        if (!description) throw new Error('describe() returned no description for the stored record');
        const groups = wordGroups(description.text, REPLAY_WORDS);
        for (const [index, piece] of groups.entries()) yield token(index, piece, true);
        yield {
          event: {
            type: StreamEventType.DONE,
            index: groups.length,
            token: null,
            description: description,
            replay: true,
          },
        };
        return;
      }
    }
    yield* this.generateStream(
      {
        product,
        policy: PERSONALIZATION_POLICY,
        provider: args.provider ?? null,
        personalization,
        params: {},
        promptVersion: DEFAULT_PROMPT_VERSION,
        ...(scope.requestedBy ? { requestedBy: scope.requestedBy } : {}),
      },
      scope,
    );
  }

  /**
   * Runs one streamed generation and yields its events. Failover happens only
   * before the first token (in the router); a break after it becomes a
   * STREAM_INTERRUPTED error event, never a silently truncated success.
   */
  private async *generateStream(item: GenerateItem, { logger, payer }: StreamScope): AsyncGenerator<StreamPayload> {
    const controller = new AbortController();
    const request = this.buildRequest(item);
    // Before any provider call: a stream is charged like any other generation.
    const budget = await this.reserveBudget(payer, [{ item, request }], false);
    if (!budget.ok) {
      yield { error: budget.error };
      return;
    }
    const channel = new AsyncChannel<StreamPayload>();
    let index = 0;
    let streamedChars = 0;
    const chunker = new WordChunker({
      intervalMs: CHUNK_INTERVAL_MS,
      emit: (piece) => channel.push(token(index++, piece, false)),
    });
    const onToken = (piece: string): void => {
      streamedChars += piece.length;
      chunker.push(piece);
    };
    const done = this.router
      .stream(request, {
        policy: item.policy,
        provider: item.provider ?? null,
        signal: controller.signal,
        bypassCache: true,
        onToken,
      })
      .then(async (routed) => {
        await this.chargeBudget(budget.reservation, [{ request, routed, streamedChars }]);
        // What the provider sent before it ended (or broke) reaches the client before the outcome.
        chunker.flush();
        if (!routed.ok && routed.interrupted) {
          channel.push(interruptedPayload(routed.error, index, logger));
          return;
        }
        channel.push(outcomePayload(await this.settle(item, request, routed), index));
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'description stream failed');
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
}
