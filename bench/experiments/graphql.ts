/**
 * The driver over a real gateway: the simulated shoppers go through the API
 * a mobile app uses. One gateway (createGateway on 127.0.0.1:0, a temporary
 * SQLite file or the PostgreSQL database given, a fake OpenAI for the texts)
 * serves every run; its experiment clock is the simulation's, so a
 * simulated month passes in seconds.
 *
 * Before the first run, each product gets one description per variant
 * through the publication lifecycle, by a person (the internal key): the
 * control's published, the others' approved (served only to sessions of an
 * experiment). Each run then creates its experiment with createExperiment,
 * reads Product.description(sessionId) for every session (the assignment),
 * sends an IMPRESSION and, when the shopper converts, an ADD_TO_CART with
 * recordEvents, and reads experiment(id) at the end of every simulated day.
 * The next run concludes it (a product is in one experiment at a time).
 *
 * One request carries one simulated hour's sessions (aliases) rather than
 * one per session, so the gateway's alias, token and cost limits are raised
 * for the simulation; the rate limits are off, since the shoppers of a
 * month arrive in seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createGateway } from '../../schema/index.js';
import type { GatewayServer } from '../../src/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/helpers/fake-openai.js';
import { bearer, TEST_GATEWAY_API_KEYS, TEST_KEYS } from '../../test/helpers/keys.js';
import { dataOf, gqlClient, productIds, type Gql } from '../../test/helpers/graphql.js';
import type { ExperimentDesign, ExperimentDriver, ExperimentRun, LookResult, Outcome } from './driver.js';

export interface GraphQLDriverOptions {
  /** Products in every experiment; session i reads product i mod products. Default 4. */
  products?: number;
  /** THOMPSON's epoch in seconds (createExperiment's refreshSeconds). Default 3600. */
  refreshSeconds?: number;
  /** PostgreSQL URL of an empty database; default a temporary SQLite file. */
  databaseUrl?: string;
}

const internal = bearer(TEST_KEYS.internal);
const mobile = bearer(TEST_KEYS.mobile);
/** Sessions per request: within the raised alias limit below. */
const READS_PER_REQUEST = 100;
const EVENTS_PER_REQUEST = 500;

interface Shown {
  productId: string;
  descriptionId: string;
  variantId: string;
}

/** The gateway, its texts and the current experiment, shared by the runs. */
interface Shop {
  gql: Gql;
  products: string[];
  /** Description ids per variant index, one per product. */
  texts: string[][];
  setClock(ms: number): void;
  current: string | null;
}

async function lifecycle(
  gql: Gql,
  action: 'approveDescription' | 'publishDescription',
  ids: readonly string[],
): Promise<void> {
  for (const id of ids) dataOf(await gql(`mutation L($id: ID!) { ${action}(id: $id) { status } }`, { id }, internal));
}

/** One description per variant of each product: the first published, the others approved. */
async function variantTexts(gql: Gql, products: string[], variants: number): Promise<string[][]> {
  const texts: string[][] = [];
  for (let v = 0; v < variants; v++) {
    const r = await gql<{ generateDescriptions: Array<{ id: string }> }>(
      'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { ... on Description { id } } }',
      { input: products.map((productId) => ({ productId, params: { temperature: 0.2 + 0.3 * v, seed: v + 1 } })) },
      internal,
    );
    const ids = dataOf(r).generateDescriptions.map((d) => d.id);
    await lifecycle(gql, 'approveDescription', ids);
    if (v === 0) await lifecycle(gql, 'publishDescription', ids);
    texts.push(ids);
  }
  return texts;
}

const READ = (n: number): string =>
  `query Read(${Array.from({ length: n }, (_, i) => `$p${i}: ID!, $s${i}: String!`).join(', ')}) { ${Array.from(
    { length: n },
    (_, i) => `r${i}: product(id: $p${i}) { description(sessionId: $s${i}) { id experiment { variantId } } }`,
  ).join(' ')} }`;
const RECORD =
  'mutation Record($events: [DescriptionEventInput!]!) { recordEvents(events: $events) { accepted duplicates rejected results { reason } } }';
const ANALYSIS =
  'query A($id: ID!) { experiment(id: $id) { analysis { decision winnerVariantId variants { variantId exposures conversions } } } }';

/** One run against the gateway; its experiment and session ids are the ones the store hashes to assign. */
export class GraphQLRun implements ExperimentRun {
  private readonly shown = new Map<string, Shown>();
  private sessions = 0;

  constructor(
    private readonly shop: Shop,
    private readonly design: ExperimentDesign,
    /** The id the gateway gave the run's experiment. */
    readonly experimentId: string,
  ) {}

  /** The product the next session reads, going round the shop's products. */
  private nextProduct(): string {
    const product = this.shop.products[this.sessions++ % this.shop.products.length];
    if (product === undefined) throw new Error('the shop has no products');
    return product;
  }

  async assign(sessionIds: readonly string[], at: Date): Promise<number[]> {
    this.shop.setClock(at.getTime());
    const out: number[] = [];
    for (let i = 0; i < sessionIds.length; i += READS_PER_REQUEST) {
      const chunk = sessionIds.slice(i, i + READS_PER_REQUEST);
      const variables: Record<string, string> = {};
      const reads = chunk.map((session) => ({ session, productId: this.nextProduct() }));
      reads.forEach(({ session, productId }, j) =>
        Object.assign(variables, { [`p${j}`]: productId, [`s${j}`]: this.sessionId(session) }),
      );
      const data = dataOf(
        await this.shop.gql<Record<string, { description: { id: string; experiment: { variantId: string } | null } }>>(
          READ(chunk.length),
          variables,
          mobile,
        ),
      );
      reads.forEach(({ session: s, productId }, j) => {
        const answer = data[`r${j}`];
        if (!answer) throw new Error(`the read for session ${s} has no answer`);
        const d = answer.description;
        if (!d.experiment) throw new Error(`session ${s} was not assigned: is the experiment running?`);
        this.shown.set(s, { productId, descriptionId: d.id, variantId: d.experiment.variantId });
        out.push(this.design.variants.indexOf(d.experiment.variantId));
      });
    }
    return out;
  }

  async record(outcomes: readonly Outcome[], at: Date): Promise<void> {
    this.shop.setClock(at.getTime());
    const occurredAt = at.toISOString();
    const events = outcomes.flatMap((o) => {
      const s = this.shown.get(o.sessionId);
      if (!s) throw new Error(`an outcome of session ${o.sessionId}, which was shown no description`);
      const base = {
        sessionId: this.sessionId(o.sessionId),
        productId: s.productId,
        descriptionId: s.descriptionId,
        experimentId: this.experimentId,
        variantId: s.variantId,
        occurredAt,
      };
      const impression = { ...base, eventId: `${base.sessionId}-i`, type: 'IMPRESSION' };
      return o.converted
        ? [impression, { ...base, eventId: `${base.sessionId}-a`, type: 'ADD_TO_CART' }]
        : [impression];
    });
    for (let i = 0; i < events.length; i += EVENTS_PER_REQUEST) {
      const batch = events.slice(i, i + EVENTS_PER_REQUEST);
      const r = dataOf(
        await this.shop.gql<{ recordEvents: { accepted: number; results: Array<{ reason: string | null }> } }>(
          RECORD,
          { events: batch },
          mobile,
        ),
      ).recordEvents;
      if (r.accepted !== batch.length)
        throw new Error(
          `recordEvents accepted ${r.accepted} of ${batch.length}: ${r.results.find((x) => x.reason)?.reason}`,
        );
    }
  }

  async analyze(at: Date): Promise<LookResult> {
    this.shop.setClock(at.getTime());
    type Analysis = {
      decision: LookResult['decision'];
      winnerVariantId: string | null;
      variants: Array<{ variantId: string; exposures: number; conversions: number }>;
    };
    const a = dataOf(
      await this.shop.gql<{ experiment: { analysis: Analysis } }>(ANALYSIS, { id: this.experimentId }, internal),
    ).experiment.analysis;
    return {
      decision: a.decision,
      winnerId: a.winnerVariantId,
      variants: a.variants.map((v) => ({ id: v.variantId, exposures: v.exposures, conversions: v.conversions })),
    };
  }

  /** The session id the gateway sees for simulated session `s`: unique across runs, since event ids and Thompson's sticky sessions are per session. */
  sessionId(s: string): string {
    return `${this.design.id}-${s}`;
  }
}

async function openShop(
  options: GraphQLDriverOptions,
  variants: number,
  cleanup: Array<() => Promise<void>>,
): Promise<Shop> {
  const fake: FakeOpenAI = await startFakeOpenAI();
  cleanup.push(() => fake.close());
  const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-experiments-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  let clock = Date.now();
  const server: GatewayServer = await createGateway(
    {
      host: '127.0.0.1',
      port: 0,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : { databasePath: path.join(dir, 'gateway.db') }),
      providers: ['openai'],
      openaiBaseUrl: fake.baseURL,
      openaiApiKey: 'sk-bench-experiments',
      gatewayApiKeys: TEST_GATEWAY_API_KEYS,
      nodeEnv: 'test',
      cacheTtlMs: 0,
      maxAliases: 2 * READS_PER_REQUEST,
      maxTokens: 100_000,
      maxCost: 1_000_000,
      rateLimits: 'mobile=off,personalization=off,editor=off,internal=off',
      eventRateLimits: 'mobile=off',
    },
    { logger: pino({ level: 'silent' }), clock: () => clock },
  );
  cleanup.push(() => server.close());
  const gql = gqlClient(() => server.url);
  const products = await productIds(gql, options.products ?? 4, internal);
  return {
    gql,
    products,
    texts: await variantTexts(gql, products, variants),
    setClock: (ms) => (clock = ms),
    current: null,
  };
}

export function createGraphQLDriver(options: GraphQLDriverOptions = {}): ExperimentDriver<GraphQLRun> {
  const cleanup: Array<() => Promise<void>> = [];
  let shop: Shop | undefined;
  return {
    name: `graphql (a real gateway over HTTP, ${options.databaseUrl ? 'PostgreSQL' : 'SQLite'}, ${options.products ?? 4} products)`,
    async start(design) {
      shop ??= await openShop(options, design.variants.length, cleanup);
      if (shop.current)
        dataOf(
          await shop.gql(
            'mutation E($id: ID!) { concludeExperiment(id: $id) { experiment { status } } }',
            { id: shop.current },
            internal,
          ),
        );
      const s = shop;
      const input = {
        name: design.id,
        productIds: s.products,
        metric: 'ADD_TO_CART_RATE',
        allocation: design.allocation,
        minSample: design.minSample,
        refreshSeconds: options.refreshSeconds ?? 3600,
        variants: design.variants.map((id, v) => ({
          id,
          weight: design.weights?.[v] ?? 1,
          descriptionIds: s.texts[v],
        })),
      };
      s.current = dataOf(
        await s.gql<{ createExperiment: { id: string } }>(
          'mutation C($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
          { input },
          internal,
        ),
      ).createExperiment.id;
      return new GraphQLRun(s, design, s.current);
    },
    async close() {
      for (const fn of cleanup.reverse()) await fn();
    },
  };
}
