import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseGatewayApiKeys } from './auth/api-keys.js';
import {
  DEFAULT_EVENT_RATE_LIMITS,
  DEFAULT_GENERATION_RATE_LIMITS,
  DEFAULT_MAX_COST,
  DEFAULT_RATE_LIMITS,
  DEFAULT_TRUSTED_DOCUMENTS,
  parseMaxCost,
  parseRateLimits,
  parseTrustedDocuments,
} from './limits/role-settings.js';
import { parseBudgets } from './budgets/settings.js';
import { checkOverrideProviders, parsePolicyOverride } from './routing/policies.js';
import { ConfigError } from './startup.js';
import { PROVIDER_IDS, type ProviderId } from '../providers/types.js';

/** Repository (or image) root: src/config.ts compiles to dist/src/config.js. */
export const appRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])], {
    error: 'expected true, false, 1, 0, yes or no',
  })
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
/** One message for every way a number can be wrong (not a number, a fraction, out of range), with the range. */
const int = (min: number, max: number) => {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));
/** A parser that throws becomes a zod issue carrying its message. */
const parsed = <T>(parse: (v: string) => T) =>
  z.string().transform((v, ctx): T => {
    try {
      return parse(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export { PROVIDER_IDS, type ProviderId };

/**
 * Every setting, with the environment variable it is read from. The README's
 * table of environment variables is generated from the same list (see
 * `ENV_DOCS`), and a test checks they agree.
 */
const schema = z
  .object({
    // No default: a deployment that forgets NODE_ENV must not get development's open schema (see server.ts).
    nodeEnv: z.enum(['development', 'production', 'test']).optional(),
    host: z.string().default('0.0.0.0'),
    port: int(0, 65535).default(4000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    databasePath: z.string().default(path.join('data', 'stylesprint.db')),
    databaseUrl: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    seedCatalog: bool.default(true),
    providers: list
      .pipe(z.array(z.enum(PROVIDER_IDS)).min(1, { error: 'needs at least one provider' }))
      .default(['onnx']),
    providerTimeoutMs: int(100, 600_000).default(20_000),
    providerMaxConcurrency: int(1, 10_000).default(64),
    openaiApiKey: optionalString,
    openaiModel: z.string().default('gpt-4o-mini'),
    openaiBaseUrl: optionalString.pipe(z.url().optional()),
    openaiEmbeddingModel: z.string().default('text-embedding-3-small'),
    huggingfaceToken: optionalString,
    hfModel: z.string().default('EleutherAI/gpt-neo-2.7B'),
    hfEndpointUrl: optionalString.pipe(z.url().optional()),
    hfBaseUrl: optionalString.pipe(z.url().optional()),
    hfEmbeddingModel: z.string().default('sentence-transformers/paraphrase-MiniLM-L6-v2'),
    localModelDir: z.string().default(path.join(appRoot, 'models', 'stylesprint-desc')),
    localModel: optionalString.pipe(
      z
        .string()
        .regex(/^[\w.-]+\/[\w.-]+(@[\w./-]+)?$/, 'must be a Hub repo as org/name or org/name@revision')
        .optional(),
    ),
    localModelFile: optionalString.pipe(
      z
        .string()
        .regex(/^(?!.*\.\.)[\w./-]+\.onnx$/, 'must name an .onnx file, such as model_q4.onnx or onnx/model_fp16.onnx')
        .optional(),
    ),
    hfHome: z.string().default(path.join(os.homedir(), '.cache', 'huggingface')),
    hfEndpoint: z.url().default('https://huggingface.co'),
    hfHubOffline: bool.default(false),
    ortExecutionProvider: z.enum(['auto', 'cuda', 'cpu']).default('auto'),
    ortIntraOpThreads: int(0, 256).default(0),
    localMaxBatch: int(1, 256).default(8),
    localMaxQueueDelayMs: int(0, 10_000).default(5),
    localMaxQueue: int(1, 100_000).default(256),
    localPrefillChunk: int(0, 100_000).default(16),
    embeddingsProvider: z.enum(['none', 'onnx', 'openai', 'huggingface']).default('none'),
    embeddingsModelDir: optionalString,
    clipModelDir: optionalString,
    imageFetchAllowHosts: list
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^(\[[0-9a-f:.]+\]|[\w.:-]+)$/i,
              'host names or IP addresses, comma-separated (no scheme, port or path)',
            ),
        ),
      )
      .default([]),
    factCheckVocabDir: optionalString,
    // review: a person approves every text before shoppers see it (see docs/publishing.md for why it is the default).
    publishPolicy: z.enum(['review', 'auto']).default('review'),
    maxBodyBytes: int(1024, 100 * 2 ** 20).default(2 * 2 ** 20),
    maxCsvBytes: int(1024, 100 * 2 ** 20).default(1 * 2 ** 20),
    maxCsvRows: int(1, 1_000_000).default(5_000),
    requestTimeoutMs: int(100, 600_000).default(60_000),
    cacheTtlMs: int(0, 30 * 24 * 3600_000).default(3600_000),
    // Publication notices drop entries at once; the TTL only bounds how long a lost notice could leave a text.
    publishedCacheTtlMs: int(0, 3600_000).default(60_000),
    publishedCacheMaxProducts: int(1, 10_000_000).default(10_000),
    priceTable: optionalString,
    // Parsed here, so a bad override stops the start before anything is opened.
    routingPolicies: optionalString.pipe(parsed((v) => parsePolicyOverride(v)).optional()),
    playground: bool.optional(),
    // On in production too: the API behind the page needs an editor key there.
    reviewPage: bool.default(true),
    gatewayApiKeys: optionalString.pipe(
      z
        .string()
        .optional()
        .superRefine((v, ctx) => {
          if (v === undefined) return;
          try {
            parseGatewayApiKeys(v);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
          }
        }),
    ),
    maxDepth: int(1, 1000).default(10),
    maxAliases: int(0, 10_000).default(15),
    maxDirectives: int(0, 10_000).default(10),
    maxTokens: int(10, 1_000_000).default(2000),
    maxCost: z
      .union([z.coerce.number().int().min(1).transform(String), z.string()])
      .pipe(parsed(parseMaxCost))
      .default(DEFAULT_MAX_COST),
    rateLimits: z.string().pipe(parsed(parseRateLimits)).default(DEFAULT_RATE_LIMITS),
    generationRateLimits: z
      .string()
      .pipe(parsed((v) => parseRateLimits(v, DEFAULT_GENERATION_RATE_LIMITS)))
      .default(DEFAULT_GENERATION_RATE_LIMITS),
    eventRateLimits: z
      .string()
      .pipe(parsed((v) => parseRateLimits(v, DEFAULT_EVENT_RATE_LIMITS)))
      .default(DEFAULT_EVENT_RATE_LIMITS),
    trustedDocumentsManifest: optionalString,
    trustedDocuments: z.string().pipe(parsed(parseTrustedDocuments)).default(DEFAULT_TRUSTED_DOCUMENTS),
    shutdownGraceMs: int(0, 600_000).default(10_000),
    metricsPort: int(0, 65535).optional(),
    otelExporterOtlpEndpoint: optionalString.pipe(z.url().optional()),
    otelServiceName: z.string().min(1).default('stylesprint-gateway'),
    redisUrl: optionalString.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//i, 'must be a redis:// or rediss:// URL')
        .optional(),
    ),
    redisPrefix: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')
      .default('stylesprint'),
    workers: int(0, 256).default(0),
    jobChunkSize: int(1, 1000).default(25),
    jobLockMs: int(1000, 600_000).default(30_000),
    gcThreadNice: int(0, 19).default(19),
    budgets: z.string().pipe(parsed(parseBudgets)).default([]),
    qualityBreakerRatio: z.coerce.number().min(0).max(1).default(0.5),
    qualityBreakerMinSamples: int(1, 10_000).default(10),
    qualityBreakerCooldownMs: int(100, 86_400_000).default(60_000),
    alertActionTtlMs: int(1000, 30 * 86_400_000).default(4 * 3600_000),
    stuckAfterMs: int(1000, 3600_000).default(120_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.trustedDocumentsManifest && Object.values(c.trustedDocuments).includes('require')) {
      ctx.addIssue({
        code: 'custom',
        path: ['trustedDocuments'],
        message: 'require needs TRUSTED_DOCUMENTS_MANIFEST (the documents a role may send)',
      });
    }
    if (!c.routingPolicies) return;
    try {
      checkOverrideProviders(c.routingPolicies, c.providers);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['routingPolicies'], message: (error as Error).message });
    }
  });

export type Config = z.output<typeof schema>;
export type ConfigInput = z.input<typeof schema>;

/** Environment variable for each setting. */
export const ENV_NAMES: Readonly<Record<keyof Config, string>> = {
  nodeEnv: 'NODE_ENV',
  host: 'HOST',
  port: 'PORT',
  logLevel: 'LOG_LEVEL',
  databasePath: 'DATABASE_PATH',
  databaseUrl: 'DATABASE_URL',
  seedCatalog: 'SEED_CATALOG',
  providers: 'PROVIDERS',
  providerTimeoutMs: 'PROVIDER_TIMEOUT_MS',
  providerMaxConcurrency: 'PROVIDER_MAX_CONCURRENCY',
  openaiApiKey: 'OPENAI_API_KEY',
  openaiModel: 'OPENAI_MODEL',
  openaiBaseUrl: 'OPENAI_BASE_URL',
  openaiEmbeddingModel: 'OPENAI_EMBEDDING_MODEL',
  huggingfaceToken: 'HUGGINGFACEHUB_API_TOKEN',
  hfModel: 'HF_MODEL',
  hfEndpointUrl: 'HF_ENDPOINT_URL',
  hfBaseUrl: 'HF_BASE_URL',
  hfEmbeddingModel: 'HF_EMBEDDING_MODEL',
  localModelDir: 'LOCAL_MODEL_DIR',
  localModel: 'LOCAL_MODEL',
  localModelFile: 'LOCAL_MODEL_FILE',
  hfHome: 'HF_HOME',
  hfEndpoint: 'HF_ENDPOINT',
  hfHubOffline: 'HF_HUB_OFFLINE',
  ortExecutionProvider: 'ORT_EXECUTION_PROVIDER',
  ortIntraOpThreads: 'ORT_INTRA_OP_THREADS',
  localMaxBatch: 'LOCAL_MAX_BATCH',
  localMaxQueueDelayMs: 'LOCAL_MAX_QUEUE_DELAY_MS',
  localMaxQueue: 'LOCAL_MAX_QUEUE',
  localPrefillChunk: 'LOCAL_PREFILL_CHUNK',
  embeddingsProvider: 'EMBEDDINGS_PROVIDER',
  embeddingsModelDir: 'EMBEDDINGS_MODEL_DIR',
  clipModelDir: 'CLIP_MODEL_DIR',
  imageFetchAllowHosts: 'IMAGE_FETCH_ALLOW_HOSTS',
  factCheckVocabDir: 'FACT_CHECK_VOCAB_DIR',
  publishPolicy: 'PUBLISH_POLICY',
  maxBodyBytes: 'MAX_BODY_BYTES',
  maxCsvBytes: 'MAX_CSV_BYTES',
  maxCsvRows: 'MAX_CSV_ROWS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  cacheTtlMs: 'CACHE_TTL_MS',
  publishedCacheTtlMs: 'PUBLISHED_CACHE_TTL_MS',
  publishedCacheMaxProducts: 'PUBLISHED_CACHE_MAX_PRODUCTS',
  priceTable: 'PRICE_TABLE',
  routingPolicies: 'ROUTING_POLICIES',
  playground: 'PLAYGROUND',
  reviewPage: 'REVIEW_PAGE',
  gatewayApiKeys: 'GATEWAY_API_KEYS',
  maxDepth: 'MAX_DEPTH',
  maxAliases: 'MAX_ALIASES',
  maxDirectives: 'MAX_DIRECTIVES',
  maxTokens: 'MAX_TOKENS',
  maxCost: 'MAX_COST',
  rateLimits: 'RATE_LIMITS',
  generationRateLimits: 'GENERATION_RATE_LIMITS',
  eventRateLimits: 'EVENT_RATE_LIMITS',
  trustedDocumentsManifest: 'TRUSTED_DOCUMENTS_MANIFEST',
  trustedDocuments: 'TRUSTED_DOCUMENTS',
  shutdownGraceMs: 'SHUTDOWN_GRACE_MS',
  metricsPort: 'METRICS_PORT',
  otelExporterOtlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  otelServiceName: 'OTEL_SERVICE_NAME',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'REDIS_PREFIX',
  workers: 'WORKERS',
  jobChunkSize: 'JOB_CHUNK_SIZE',
  jobLockMs: 'JOB_LOCK_MS',
  gcThreadNice: 'GC_THREAD_NICE',
  budgets: 'BUDGETS',
  qualityBreakerRatio: 'QUALITY_BREAKER_RATIO',
  qualityBreakerMinSamples: 'QUALITY_BREAKER_MIN_SAMPLES',
  qualityBreakerCooldownMs: 'QUALITY_BREAKER_COOLDOWN_MS',
  alertActionTtlMs: 'ALERT_ACTION_TTL_MS',
  stuckAfterMs: 'STUCK_AFTER_MS',
};

/** Aliases accepted for a setting, read when the main name is unset. */
const ENV_ALIASES: Partial<Record<keyof Config, string[]>> = {
  huggingfaceToken: ['HF_TOKEN'],
};

/**
 * Variables with these prefixes belong to the gateway: an unknown one is a
 * typo, and a typo that silently falls back to a default is worse than a
 * failed start.
 */
const OWNED_PREFIXES = [
  'GATEWAY_',
  'LOCAL_',
  'ORT_',
  'EMBEDDINGS_',
  'CLIP_',
  'CACHE_',
  'MAX_CSV',
  'PROVIDER_',
  'QUALITY_BREAKER_',
];
/** Variables with owned prefixes that are read elsewhere (later features). */
const EXTRA_KNOWN_ENV = new Set<string>([]);

/** Settings whose values never appear in an error message: keys, and URLs that may carry a password. */
const SECRET_SETTINGS: ReadonlySet<keyof Config> = new Set([
  'openaiApiKey',
  'huggingfaceToken',
  'gatewayApiKeys',
  'databaseUrl',
  'redisUrl',
  'openaiBaseUrl',
  'hfEndpointUrl',
  'hfBaseUrl',
  'hfEndpoint',
  'otelExporterOtlpEndpoint',
]);

// Defined in startup.ts, which must load on any Node to report an old one; thrown and caught as config's.
export { ConfigError };

function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV_NAMES) as Array<[keyof Config, string]>) {
    const value = [name, ...(ENV_ALIASES[key] ?? [])].map((n) => env[n]).find((v) => v !== undefined);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function unknownOwnedVariables(env: NodeJS.ProcessEnv): string[] {
  const known = new Set([...Object.values(ENV_NAMES), ...EXTRA_KNOWN_ENV]);
  return Object.keys(env).filter((name) => OWNED_PREFIXES.some((p) => name.startsWith(p)) && !known.has(name));
}

/**
 * Reads the configuration once. Explicit options win over environment
 * variables; the whole is validated, and an unknown or invalid setting throws
 * a ConfigError naming the variable.
 */
export function loadConfig(options: Partial<ConfigInput> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const unknown = unknownOwnedVariables(env);
  if (unknown.length) {
    throw new ConfigError(`unknown setting ${unknown.join(', ')}: check the spelling against the README's table`);
  }
  const merged: Record<string, unknown> = { ...fromEnv(env) };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) merged[k] = v;
  const parsed = schema.safeParse(merged, { reportInput: true });
  if (!parsed.success)
    throw new ConfigError(
      `invalid configuration: ${parsed.error.issues.map((issue) => describeIssue(issue, merged)).join('; ')}`,
    );
  return parsed.data;
}

/**
 * One problem as `NAME="value": what is wrong`. The value is left out for
 * secrets, and for a parser's own message, which quotes the bad part itself.
 */
function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  if (issue.code === 'unrecognized_keys') return `config: unknown option ${issue.keys.join(', ')}`;
  const key = String(issue.path[0] ?? '');
  const name = key in ENV_NAMES ? ENV_NAMES[key as keyof Config] : key || 'config';
  const shown = key in input && issue.code !== 'custom' && !SECRET_SETTINGS.has(key as keyof Config);
  const label = shown ? `${name}=${JSON.stringify(input[key])}` : name;
  // An enum inside a list (PROVIDERS) names the one bad entry; a plain enum's value is already in the label.
  const message =
    issue.code === 'invalid_value'
      ? `${issue.path.length > 1 ? `${JSON.stringify(issue.input)} is not ` : 'expected '}one of ${issue.values.map(String).join(', ')}`
      : issue.message;
  return `${label}: ${message}`;
}
