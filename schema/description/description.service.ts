import type { Logger } from 'pino';
import type { GenerationParameters, GenerationRequest, Personalization, ProductFacts } from '../../providers/types.js';
import type { ProviderRegistry } from '../../providers/index.js';
import { PROVIDER_IDS } from '../../src/config.js';
import { BadUserInputError } from '../../src/errors/index.js';
import type { DescriptionRecord, ProductRecord, Storage } from '../../src/storage/types.js';
import type { GenerationRouter, Routed } from '../../src/routing/types.js';
import { clientMessage } from '../../src/routing/client-message.js';
import { buildPrompt, isPromptVersion, type BuiltPrompt } from '../../src/prompts/build-prompt.js';
import { TEMPLATES, type PromptVersion } from '../../src/prompts/templates.js';
import { checkDescription } from '../../src/evaluation/checks/index.js';
import { estimateCostUsd, type ModelPrice } from '../../src/pricing.js';
import type { PublicationService } from '../../src/publication/publication.service.js';
import { sameSlot, slotOf, DEFAULT_CHANNEL } from '../../src/publication/slot.js';
import type { ActorRecord, PublicationEntry } from '../../src/storage/publication-types.js';
import { DescriptionStatus } from '../publication/status.type.js';
import { personalizationKey } from './personalization.js';
import { DescriptionSource, DescriptionWarningCode, type Description, type GenerationError } from './description.type.js';
import { capabilityWarnings, warningFlag, WARNING_CATEGORY } from './warnings.js';

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

function promptPart(built: BuiltPrompt): { prompt: string; system?: string } {
  return built.system ? { prompt: built.prompt, system: built.system } : { prompt: built.prompt };
}

export function productFacts(p: ProductRecord): ProductFacts {
  return { id: p.id, title: p.title, category: p.category, attributes: p.attributes, colors: p.colors, materials: p.materials };
}

/**
 * A stored description as the API shows it: with its lifecycle state when it
 * has one, and then the text of `entry.version` (the current version, or the
 * live one for a shopper).
 */
export function toDescription(r: DescriptionRecord, source: DescriptionSource, stale = false, entry: PublicationEntry | null = null): Description {
  const p = r.personalization as Personalization | null;
  return {
    ...r,
    text: entry?.version.text ?? r.text,
    status: entry ? DescriptionStatus[entry.state.status] : null,
    version: entry?.version.version ?? null,
    publishedVersion: entry?.state.publishedVersion ?? null,
    slot: entry ? { locale: entry.state.slot.locale, channel: entry.state.slot.channel, segment: entry.state.slot.segment } : null,
    storedCheck: entry?.version.check ?? null,
    personalization: p ? { segment: p.segment ?? null, tone: p.tone ?? null, locale: p.locale ?? null, keywords: p.keywords ?? [] } : null,
    flags: r.flags
      .filter((f) => f.category !== WARNING_CATEGORY)
      .map((f) => ({ code: f.code, category: f.category, message: f.message, start: f.start ?? null, end: f.end ?? null, suggestion: f.suggestion ?? null })),
    warnings: r.flags.filter((f) => f.category === WARNING_CATEGORY).map((f) => ({ code: f.code as DescriptionWarningCode, message: f.message })),
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

/** Writes descriptions through the router, checks and stores them, and hands them to the publication policy. Shared by every request. */
export class DescriptionService {
  constructor(
    private readonly storage: Storage,
    private readonly router: GenerationRouter,
    private readonly registry: ProviderRegistry,
    private readonly prices: Record<string, ModelPrice>,
    private readonly logger: Logger,
    readonly publication: PublicationService,
  ) {}

  /** Stored descriptions as the API shows them, each with its lifecycle state and current text. */
  async describe(records: readonly DescriptionRecord[], source: DescriptionSource): Promise<Description[]> {
    const entries = await this.publication.entries(records.map((r) => r.id));
    return records.map((r, i) => toDescription(r, source, false, entries[i] ?? null));
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
    return new BadUserInputError(`unknown provider ${JSON.stringify(provider.slice(0, 64))}: known providers are ${known.join(', ')}`, {
      reason: 'UNKNOWN_PROVIDER',
      argument: 'provider',
      known,
    });
  }

  buildRequest(item: GenerateItem): GenerationRequest {
    const facts = productFacts(item.product);
    const render = (version: PromptVersion) => buildPrompt(facts, { version, ...(item.personalization ? { personalization: item.personalization } : {}) });
    const built = render(item.promptVersion);
    const request: GenerationRequest = {
      ...item.params,
      prompt: built.prompt,
      parts: { product: facts, promptVersion: built.version, ...(item.personalization ? { personalization: item.personalization } : {}) },
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
  private sentTo(providerId: string, request: GenerationRequest, requested: PromptVersion): { version: PromptVersion; prompt: string } {
    const own = this.registry.allGenerators().find((g) => g.id === providerId)?.promptVersion;
    const variant = own && isPromptVersion(own) ? request.promptVariants?.[own] : undefined;
    return variant ? { version: own as PromptVersion, prompt: variant.prompt } : { version: requested, prompt: request.prompt };
  }

  /** One outcome per item, in order: one batched router call for all of them. */
  async generate(items: GenerateItem[], signal?: AbortSignal): Promise<GenerateOutcome[]> {
    const requests = items.map((item) => this.buildRequest(item));
    const routed = await this.router.generate(
      items.map((item, i) => ({ request: requests[i]!, options: { policy: item.policy, provider: item.provider ?? null, ...(signal ? { signal } : {}), ...(item.bypassCache ? { bypassCache: true } : {}) } })),
    );
    return Promise.all(routed.map((r, i) => this.settle(items[i]!, requests[i]!, r)));
  }

  /** Stores a finished generation (also used by streaming) and returns it as a Description. */
  async settle(item: GenerateItem, request: GenerationRequest, routed: Routed): Promise<GenerateOutcome> {
    if (!routed.ok) {
      // The upstream message may quote the prompt back: the client gets a fixed sentence, the log (at debug) the detail.
      this.logger.debug({ productId: item.product.id, provider: routed.error.providerId, kind: routed.error.kind, detail: routed.error.message }, 'generation failed');
      return {
        ok: false,
        error: { productId: item.product.id, code: routed.code, message: clientMessage(routed), attempts: routed.attempts },
      };
    }
    const key = personalizationKey(item.personalization);
    const slot = slotOf(item.product.id, item.personalization, item.channel ?? DEFAULT_CHANNEL);
    const { result } = routed;
    if (result.text.trim() === '') {
      // A model that stops at once has written nothing worth storing or showing.
      return {
        ok: false,
        error: { productId: item.product.id, code: 'PROVIDER_UNAVAILABLE', message: `${result.providerId} returned an empty description`, attempts: routed.attempts },
      };
    }
    if (routed.cached) {
      // The text is already stored for this slot: the same row, in whatever state the content team left it.
      const [existing] = await this.storage.latestDescriptions([{ productId: item.product.id, personalizationKey: key, provider: result.providerId }]);
      const [entry] = existing && existing.text === result.text ? await this.publication.entries([existing.id]) : [null];
      if (existing && entry && sameSlot(entry.state.slot, slot)) return { ok: true, description: toDescription(existing, DescriptionSource.CACHED, false, entry) };
    }
    const sent = this.sentTo(result.providerId, request, item.promptVersion);
    const checks = checkDescription({
      text: result.text,
      prompt: sent.prompt,
      ...(item.product.referenceDescription ? { reference: item.product.referenceDescription } : {}),
      attributes: item.product.attributes,
      gender: item.product.gender,
    });
    const writer = this.registry.allGenerators().find((g) => g.id === result.providerId);
    const kind = writer?.kind ?? result.providerId;
    const warnings = capabilityWarnings(item.personalization, TEMPLATES[sent.version], { id: result.providerId, model: result.model, honours: writer?.capabilities.honours });
    const record = await this.storage.insertDescription({
      productId: item.product.id,
      text: result.text,
      provider: result.providerId,
      model: result.model,
      promptVersion: sent.version,
      personalizationKey: key,
      personalization: (item.personalization as Record<string, unknown> | undefined) ?? null,
      parameters: { ...item.params, ...(item.jobId ? { jobId: item.jobId } : {}) },
      finishReason: result.finishReason,
      latencyMs: result.latencyMs,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      estimatedCostUsd: estimateCostUsd(this.prices, kind, result.model, result.promptTokens, result.completionTokens),
      attempts: routed.attempts,
      flags: [
        ...checks.flags.map((f) => ({ code: f.code, category: f.category, message: f.message, start: f.span?.start ?? null, end: f.span?.end ?? null, suggestion: f.suggestion ?? null })),
        ...warnings.map(warningFlag),
      ],
      attributeCoverage: checks.attributeCoverage,
    });
    if (checks.flags.length) this.logger.info({ descriptionId: record.id, flags: checks.flags.map((f) => f.code) }, 'description flagged by checks');
    const entry = await this.publication.admitGenerated(record, item.product, slot, item.requestedBy);
    return { ok: true, description: toDescription(record, DescriptionSource.GENERATED, false, entry) };
  }
}
