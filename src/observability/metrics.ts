/**
 * Prometheus metrics, one registry per gateway (tests run several gateways
 * in one process, and a shared default registry would mix their counts).
 * Counters are fed by the HTTP handler and the metering decorators in
 * src/observability/metered.ts; gauges are read at scrape time from the router and
 * the local model.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../routing/types.js';

/** What the scrape-time gauges read. Set once the services exist. */
export interface MetricSources {
  providerIds(): string[];
  breakerState(providerId: string): BreakerState;
  /** The local model's batcher and decode loop, per provider id that has one (counts since the provider started). */
  localStats(): Record<string, LocalModelStats>;
}

/** What a local-model provider's stats() reports that the metrics read. */
export interface LocalModelStats {
  /** Requests waiting now. */
  queueDepth: number;
  /** Requests decoding now. */
  runningItems: number;
  forwardPasses: number;
  generatedTokens: number;
  /** Requests turned away because the queue was full. */
  rejected: number;
  /** Requests cancelled while they waited. */
  abandoned: number;
}

/** Local-model counts exported as Prometheus counters: name, help and the stats field they follow. */
const LOCAL_COUNTERS: ReadonlyArray<[string, string, keyof LocalModelStats]> = [
  ['gateway_local_forward_passes_total', "Forward passes of the local model (prefill pieces included); tokens ÷ passes is the rows a pass carried", 'forwardPasses'],
  ['gateway_local_generated_tokens_total', 'Tokens the local model generated', 'generatedTokens'],
  ['gateway_local_queue_rejected_total', "Requests the local model's full queue turned away (they fail over)", 'rejected'],
  ['gateway_local_queue_abandoned_total', 'Requests cancelled while they waited for the local model (they answered at once)', 'abandoned'],
];

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'outcome'>;
  readonly requestDuration: Histogram<'operation' | 'outcome'>;
  readonly providerCalls: Counter<'provider' | 'outcome'>;
  readonly providerErrors: Counter<'provider' | 'kind'>;
  readonly providerDuration: Histogram<'provider'>;
  readonly batchSize: Histogram<'provider'>;
  readonly tokens: Counter<'provider' | 'type'>;
  readonly costUsd: Counter<'provider'>;
  readonly cache: Counter<'result'>;
  readonly flags: Counter<'category'>;
  readonly rateLimited: Counter<'role'>;
  private sources: MetricSources | undefined;
  /** The local models' stats, read once per scrape (render) for the six metrics that show them. */
  private local: Record<string, LocalModelStats> = {};

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    this.requests = new Counter({ name: 'gateway_requests_total', help: 'GraphQL requests by operation name and outcome', labelNames: ['operation', 'outcome'], registers });
    this.requestDuration = new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'GraphQL request latency',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.providerCalls = new Counter({ name: 'gateway_provider_calls_total', help: 'Generations sent to providers, by outcome: ok, cancelled (every caller had gone) or an error kind', labelNames: ['provider', 'outcome'], registers });
    this.providerErrors = new Counter({ name: 'gateway_provider_errors_total', help: 'Failed generations by provider and ProviderError kind', labelNames: ['provider', 'kind'], registers });
    this.providerDuration = new Histogram({
      name: 'gateway_provider_call_duration_seconds',
      help: 'Latency of one provider call (a batch counts once)',
      labelNames: ['provider'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60],
      registers,
    });
    this.batchSize = new Histogram({ name: 'gateway_provider_batch_size', help: 'Requests per provider call', labelNames: ['provider'], buckets: [1, 2, 4, 8, 16, 32, 64], registers });
    this.tokens = new Counter({ name: 'gateway_tokens_total', help: 'Tokens reported by providers', labelNames: ['provider', 'type'], registers });
    this.costUsd = new Counter({ name: 'gateway_estimated_cost_usd_total', help: 'Estimated cost of stored generations, USD', labelNames: ['provider'], registers });
    this.cache = new Counter({ name: 'gateway_generation_cache_total', help: 'Routed generations served from cache or coalesced (hit) or generated (miss)', labelNames: ['result'], registers });
    this.flags = new Counter({ name: 'gateway_description_flags_total', help: 'Flags raised on stored descriptions (e.g. inclusive language), by category', labelNames: ['category'], registers });
    this.rateLimited = new Counter({ name: 'gateway_rate_limited_total', help: 'Requests refused by the rate limiter, by role', labelNames: ['role'], registers });
    const self = this;
    new Gauge({
      name: 'gateway_breaker_state',
      help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const id of self.sources?.providerIds() ?? []) this.set({ provider: id }, BREAKER_VALUE[self.sources!.breakerState(id)]);
      },
    });
    new Gauge({
      name: 'gateway_local_queue_depth',
      help: "Requests waiting in the local model's micro-batcher",
      labelNames: ['provider'],
      registers,
      collect() {
        for (const [id, s] of Object.entries(self.local)) this.set({ provider: id }, s.queueDepth);
      },
    });
    new Gauge({
      name: 'gateway_local_rows_running',
      help: 'Requests the local model is decoding now (at most LOCAL_MAX_BATCH)',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const [id, s] of Object.entries(self.local)) this.set({ provider: id }, s.runningItems);
      },
    });
    for (const [name, help, field] of LOCAL_COUNTERS) {
      // The provider keeps the totals; each scrape adds what grew since the last one.
      const seen = new Map<string, number>();
      new Counter({
        name,
        help,
        labelNames: ['provider'],
        registers,
        collect() {
          for (const [id, s] of Object.entries(self.local)) {
            const now = s[field];
            const before = seen.get(id) ?? 0;
            // A provider replaced since the last scrape starts from zero again.
            this.inc({ provider: id }, now >= before ? now - before : now);
            seen.set(id, now);
          }
        },
      });
    }
  }

  setSources(sources: MetricSources): void {
    this.sources = sources;
  }

  observeRequest(operation: string | null | undefined, outcome: string, seconds: number): void {
    // Operation names come from clients: cap their length so a hostile client cannot bloat label values.
    const op = operation ? operation.slice(0, 64) : 'anonymous';
    this.requests.inc({ operation: op, outcome });
    this.requestDuration.observe({ operation: op, outcome }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    this.local = this.sources?.localStats() ?? {};
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
