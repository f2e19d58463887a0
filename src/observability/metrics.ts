/**
 * Prometheus metrics, one registry per gateway (tests run several gateways
 * in one process, and a shared default registry would mix their counts).
 * Counters are fed by the HTTP handler and the metering decorators in
 * src/observability/metered.ts; gauges are read at scrape time from the router and
 * the local model.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../routing/types.js';
import type { QualityState, QualityStatus } from '../routing/quality-breaker.js';
import type { ActiveAction } from '../alerts/actions.js';
import type { BudgetReading } from '../budgets/guard.js';

/** What the scrape-time gauges read. Set once the services exist. */
export interface MetricSources {
  providerIds(): string[];
  breakerState(providerId: string): BreakerState;
  /** The local model's batcher and decode loop, per provider id that has one (counts since the provider started). */
  localStats(): Record<string, LocalModelStats>;
  /** LOCAL_MAX_QUEUE: the local model's queue bound. */
  localQueueCapacity: number;
  /** What /readyz would answer: true for 200. */
  ready(): Promise<boolean>;
  /** The quality breaker of every provider and model that has had a verdict. */
  quality(): QualityStatus[];
  /** Actions alerts have put in force. */
  alertActions(): ActiveAction[];
  /** Spending under each cap (BUDGETS); empty without caps. */
  budgets(): Promise<BudgetReading[]>;
  /** Products the read path served from its cache of published texts (hits) and from the store (misses); null with the cache off. */
  publishedCache(): { hits: number; misses: number } | null;
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
  [
    'gateway_local_forward_passes_total',
    'Forward passes of the local model (prefill pieces included); tokens ÷ passes is the rows a pass carried',
    'forwardPasses',
  ],
  ['gateway_local_generated_tokens_total', 'Tokens the local model generated', 'generatedTokens'],
  [
    'gateway_local_queue_rejected_total',
    "Requests the local model's full queue turned away (they fail over)",
    'rejected',
  ],
  [
    'gateway_local_queue_abandoned_total',
    'Requests cancelled while they waited for the local model (they answered at once)',
    'abandoned',
  ],
];

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const QUALITY_VALUE: Record<QualityState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * A counter whose totals live elsewhere (a provider, the quality breaker):
 * each scrape adds what grew since the last one, per label set.
 */
function followTotals<L extends string>(
  read: () => Array<{ labels: Record<L, string>; total: number }>,
): (this: Counter<L>) => void {
  const seen = new Map<string, number>();
  return function (this: Counter<L>) {
    for (const { labels, total } of read()) {
      const key = JSON.stringify(labels);
      const before = seen.get(key) ?? 0;
      // Totals that went down belong to something replaced since the last scrape: it starts from zero again.
      this.inc(labels, total >= before ? total - before : total);
      seen.set(key, total);
    }
  };
}

/** GraphQL requests: how many, and how long they took. */
function requestMetrics(registers: Registry[]) {
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'GraphQL requests by operation name and outcome',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const requestDuration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'GraphQL request latency',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  return { requests, requestDuration };
}

/** Provider calls: outcomes, errors, latency, batch sizes, tokens and cost. */
function providerMetrics(registers: Registry[]) {
  const providerCalls = new Counter({
    name: 'gateway_provider_calls_total',
    help: 'Generations sent to providers, by outcome: ok, cancelled (every caller had gone) or an error kind',
    labelNames: ['provider', 'outcome'],
    registers,
  });
  const providerErrors = new Counter({
    name: 'gateway_provider_errors_total',
    help: 'Failed generations by provider and ProviderError kind',
    labelNames: ['provider', 'kind'],
    registers,
  });
  const providerDuration = new Histogram({
    name: 'gateway_provider_call_duration_seconds',
    help: 'Latency of one provider call (a batch counts once)',
    labelNames: ['provider'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60],
    registers,
  });
  const batchSize = new Histogram({
    name: 'gateway_provider_batch_size',
    help: 'Requests per provider call',
    labelNames: ['provider'],
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers,
  });
  const tokens = new Counter({
    name: 'gateway_tokens_total',
    help: 'Tokens reported by providers',
    labelNames: ['provider', 'type'],
    registers,
  });
  const costUsd = new Counter({
    name: 'gateway_estimated_cost_usd_total',
    help: 'Estimated cost of stored generations, USD',
    labelNames: ['provider'],
    registers,
  });
  return { providerCalls, providerErrors, providerDuration, batchSize, tokens, costUsd };
}

/** What became of routed generations: cache, flags, rate limits, outcomes and verdicts. */
function outcomeMetrics(registers: Registry[]) {
  const cache = new Counter({
    name: 'gateway_generation_cache_total',
    help: 'Routed generations served from cache or coalesced (hit) or generated (miss)',
    labelNames: ['result'],
    registers,
  });
  const flags = new Counter({
    name: 'gateway_description_flags_total',
    help: 'Flags raised on stored descriptions (e.g. inclusive language), by category',
    labelNames: ['category'],
    registers,
  });
  const rateLimited = new Counter({
    name: 'gateway_rate_limited_total',
    help: 'Requests refused by the rate limiter, by role',
    labelNames: ['role'],
    registers,
  });
  const generations = new Counter({
    name: 'gateway_generations_total',
    help: 'Routed generations by policy and outcome: ok, cached (served from cache or shared), or the failure code in lower case',
    labelNames: ['policy', 'outcome'],
    registers,
  });
  const verdicts = new Counter({
    name: 'gateway_quality_verdicts_total',
    help: 'Verdicts (PASS, REVIEW, BLOCK) of the checks on stored generations, by provider and model',
    labelNames: ['provider', 'model', 'verdict'],
    registers,
  });
  return { cache, flags, rateLimited, generations, verdicts };
}

/** Budget refusals and charges. */
function budgetMetrics(registers: Registry[]) {
  const budgetRefused = new Counter({
    name: 'gateway_budget_refused_total',
    help: 'Requests refused with BUDGET_EXCEEDED, by the scope (key, role) and period of the cap that had no room',
    labelNames: ['scope', 'period'],
    registers,
  });
  const budgetCharged = new Counter({
    name: 'gateway_budget_charged_usd_total',
    help: 'Actual cost charged to budgets (streams, retries and timed-out calls included), USD, by role',
    labelNames: ['role'],
    registers,
  });
  return { budgetRefused, budgetCharged };
}

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
  readonly generations: Counter<'policy' | 'outcome'>;
  readonly verdicts: Counter<'provider' | 'model' | 'verdict'>;
  readonly budgetRefused: Counter<'scope' | 'period'>;
  readonly budgetCharged: Counter<'role'>;
  private sources: MetricSources | undefined;
  /** The local models' stats, read once per scrape (render) for the six metrics that show them. */
  private local: Record<string, LocalModelStats> = {};
  /** Read once per scrape for the two budget gauges. */
  private budgetReadings: BudgetReading[] = [];

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    const request = requestMetrics(registers);
    this.requests = request.requests;
    this.requestDuration = request.requestDuration;
    const provider = providerMetrics(registers);
    this.providerCalls = provider.providerCalls;
    this.providerErrors = provider.providerErrors;
    this.providerDuration = provider.providerDuration;
    this.batchSize = provider.batchSize;
    this.tokens = provider.tokens;
    this.costUsd = provider.costUsd;
    const outcome = outcomeMetrics(registers);
    this.cache = outcome.cache;
    this.flags = outcome.flags;
    this.rateLimited = outcome.rateLimited;
    this.generations = outcome.generations;
    this.verdicts = outcome.verdicts;
    const budget = budgetMetrics(registers);
    this.budgetRefused = budget.budgetRefused;
    this.budgetCharged = budget.budgetCharged;
    this.registerRoutingGauges(registers);
    this.registerBudgetGauges(registers);
    this.registerLocalGauges(registers);
  }

  /** Read at scrape time: provider breakers, readiness, the quality breaker and alert actions. */
  private registerRoutingGauges(registers: Registry[]): void {
    const self = this;
    new Gauge({
      name: 'gateway_breaker_state',
      help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider'],
      registers,
      collect() {
        const sources = self.sources;
        if (!sources) return;
        for (const id of sources.providerIds()) this.set({ provider: id }, BREAKER_VALUE[sources.breakerState(id)]);
      },
    });
    new Gauge({
      name: 'gateway_ready',
      help: 'Whether /readyz answers 200 (1) or 503 (0)',
      registers,
      async collect() {
        this.set(self.sources ? Number(await self.sources.ready()) : 0);
      },
    });
    new Gauge({
      name: 'gateway_quality_breaker_state',
      help: 'Quality breaker per provider and model: 0 closed, 1 probing, 2 open (routed around)',
      labelNames: ['provider', 'model'],
      registers,
      collect() {
        for (const q of self.sources?.quality() ?? [])
          this.set({ provider: q.provider, model: q.model }, QUALITY_VALUE[q.state]);
      },
    });
    new Counter({
      name: 'gateway_quality_breaker_trips_total',
      help: 'Times the quality breaker opened, by provider and model',
      labelNames: ['provider', 'model'],
      registers,
      collect: followTotals(() =>
        (self.sources?.quality() ?? []).map((q) => ({
          labels: { provider: q.provider, model: q.model },
          total: q.trips,
        })),
      ),
    });
    new Counter({
      name: 'gateway_published_cache_total',
      help: 'Products whose published texts a read took from the in-process cache (hit) or the database (miss)',
      labelNames: ['result'],
      registers,
      collect: followTotals(() => {
        const counts = self.sources?.publishedCache();
        return counts
          ? [
              { labels: { result: 'hit' }, total: counts.hits },
              { labels: { result: 'miss' }, total: counts.misses },
            ]
          : [];
      }),
    });
    new Gauge({
      name: 'gateway_alert_action_active',
      help: 'Actions an alert put in force (1 while in force), by action, target and alert',
      labelNames: ['action', 'target', 'alertname'],
      registers,
      collect() {
        this.reset();
        for (const a of self.sources?.alertActions() ?? [])
          this.set({ action: a.kind, target: a.target, alertname: a.alert }, 1);
      },
    });
  }

  /** Spending and caps of BUDGETS, from the readings render() takes once per scrape. */
  private registerBudgetGauges(registers: Registry[]): void {
    const self = this;
    const budgetLabels = ['scope', 'name', 'period'] as const;
    new Gauge({
      name: 'gateway_budget_spent_usd',
      help: 'Spent under each cap of BUDGETS in its current period, USD (shared by replicas with Redis)',
      labelNames: budgetLabels,
      registers,
      collect() {
        this.reset();
        for (const b of self.budgetReadings) this.set({ scope: b.scope, name: b.name, period: b.period }, b.spentUsd);
      },
    });
    new Gauge({
      name: 'gateway_budget_limit_usd',
      help: 'Each cap of BUDGETS, USD',
      labelNames: budgetLabels,
      registers,
      collect() {
        this.reset();
        for (const b of self.budgetReadings) this.set({ scope: b.scope, name: b.name, period: b.period }, b.limitUsd);
      },
    });
  }

  /** The local model's queue, decode loop and counts, from the stats render() takes once per scrape. */
  private registerLocalGauges(registers: Registry[]): void {
    const self = this;
    new Gauge({
      name: 'gateway_local_queue_capacity',
      help: "Most requests the local model's queue holds (LOCAL_MAX_QUEUE)",
      labelNames: ['provider'],
      registers,
      collect() {
        for (const id of Object.keys(self.local)) this.set({ provider: id }, self.sources?.localQueueCapacity ?? 0);
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
      new Counter({
        name,
        help,
        labelNames: ['provider'],
        registers,
        collect: followTotals(() =>
          Object.entries(self.local).map(([id, s]) => ({ labels: { provider: id }, total: s[field] })),
        ),
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
    this.budgetReadings = (await this.sources?.budgets()) ?? [];
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
