import path from 'node:path';
import type { Logger } from 'pino';
import type {
  Embedder,
  ImageTextScorer,
  PromptFormat,
  ProviderHealth,
  ProviderId,
  ProviderKind,
  TextGenerator,
} from './types.js';
import { createOpenAIEmbedder, createOpenAIProvider } from './openai/index.js';
import { createHuggingFaceEmbedder, createHuggingFaceProvider } from './huggingface/index.js';
import type { ExecutionProviderSetting } from './onnx/session.js';
import type { LogitsProcessorPlugins } from './onnx/plugins.js';
import { fetchModel, parseModelRef } from './hub/index.js';
import { createLoadingGenerator } from './loading.js';

/**
 * The local model's code, imported when a local generator is built: it
 * loads onnxruntime's native library and the decoding plugins, which a
 * gateway without `onnx` in PROVIDERS would hold for nothing.
 */
async function onnxModules() {
  const [{ createOnnxProvider }, { onnxPlugins }, { SessionStartError }] = await Promise.all([
    import('./onnx/index.js'),
    import('./onnx-plugins/index.js'),
    import('./onnx/session.js'),
  ]);
  return { createOnnxProvider, onnxPlugins, SessionStartError };
}

/**
 * What the registry reads of the gateway's settings. The gateway passes its
 * validated Config (src/config.ts, where each setting's default and
 * environment variable are), which has these fields; providers/ declares
 * them here so that it imports nothing of the gateway's.
 */
export interface ProviderSettings {
  /** Generators to build, in failover order. */
  providers: readonly ProviderId[];
  providerTimeoutMs: number;
  openaiApiKey?: string | undefined;
  openaiModel: string;
  openaiBaseUrl?: string | undefined;
  openaiEmbeddingModel: string;
  huggingfaceToken?: string | undefined;
  hfModel: string;
  hfEndpointUrl?: string | undefined;
  hfBaseUrl?: string | undefined;
  hfEmbeddingModel: string;
  localModelDir: string;
  localModel?: string | undefined;
  localModelFile?: string | undefined;
  hfHome: string;
  hfEndpoint: string;
  hfHubOffline: boolean;
  ortExecutionProvider: ExecutionProviderSetting;
  ortIntraOpThreads: number;
  localMaxBatch: number;
  localMaxQueueDelayMs: number;
  localMaxQueue: number;
  localPrefillChunk: number;
  embeddingsProvider: 'none' | 'onnx' | 'openai' | 'huggingface';
  embeddingsModelDir?: string | undefined;
  clipModelDir?: string | undefined;
  imageFetchAllowHosts: readonly string[];
}

export interface ProviderInfo {
  id: string;
  kind: ProviderKind;
  model: string;
  health: ProviderHealth;
  promptFormat: PromptFormat | undefined;
}

/**
 * The typed registry, keyed by provider id. Built once at start from config;
 * its order is the configured failover order.
 */
export class ProviderRegistry {
  private constructor(
    private readonly generators: Map<string, TextGenerator>,
    private readonly configured: ReadonlySet<string>,
    readonly embedder: Embedder | null,
    readonly imageTextScorer: ImageTextScorer | null,
  ) {}

  static async fromParts(
    generators: TextGenerator[],
    embedder: Embedder | null = null,
    scorer: ImageTextScorer | null = null,
  ): Promise<ProviderRegistry> {
    // Whether a provider is configured (key, model file) is fixed at start, so it is read once here.
    const health = await Promise.all(
      generators.map(async (g) => ({ id: g.id, configured: (await g.health()).configured })),
    );
    const configured = new Set(health.filter((h) => h.configured).map((h) => h.id));
    return new ProviderRegistry(new Map(generators.map((g) => [g.id, g])), configured, embedder, scorer);
  }

  /** Every configured-or-not generator, for status. */
  allGenerators(): TextGenerator[] {
    return [...this.generators.values()];
  }

  /** A generator that can be routed to: configured ones only, so a provider without a key fails only when pinned. */
  generator(id: string): TextGenerator | undefined {
    return this.configured.has(id) ? this.generators.get(id) : undefined;
  }

  /** Ids of configured generators, in the configured (failover) order. */
  generatorIds(): string[] {
    return [...this.generators.keys()].filter((id) => this.configured.has(id));
  }

  /** Generators still loading (a Hub model downloading), with what each is doing. */
  async loading(): Promise<Array<{ id: string; status: string }>> {
    const health = await Promise.all(this.allGenerators().map(async (g) => ({ id: g.id, health: await g.health() })));
    return health
      .filter((h) => h.health.state === 'loading')
      .map((h) => ({ id: h.id, status: h.health.details?.loading ?? 'loading' }));
  }

  async describe(): Promise<ProviderInfo[]> {
    return Promise.all(
      this.allGenerators().map(async (g) => ({
        id: g.id,
        kind: g.kind,
        model: g.model,
        health: await g.health(),
        promptFormat: g.capabilities.promptFormat,
      })),
    );
  }

  async close(): Promise<void> {
    const all: Array<{ close(): Promise<void> }> = this.allGenerators();
    if (this.embedder) all.push(this.embedder);
    if (this.imageTextScorer) all.push(this.imageTextScorer);
    await Promise.allSettled(all.map((p) => p.close()));
  }
}

async function buildGenerator(id: ProviderId, config: ProviderSettings, logger: Logger): Promise<TextGenerator> {
  switch (id) {
    case 'openai':
      return createOpenAIProvider({
        apiKey: config.openaiApiKey,
        model: config.openaiModel,
        baseURL: config.openaiBaseUrl,
        timeoutMs: config.providerTimeoutMs,
        embeddingModel: config.openaiEmbeddingModel,
      });
    case 'huggingface':
      return createHuggingFaceProvider({
        apiKey: config.huggingfaceToken,
        model: config.hfModel,
        endpointUrl: config.hfEndpointUrl,
        ...(config.hfBaseUrl ? { baseUrl: config.hfBaseUrl } : {}),
        timeoutMs: config.providerTimeoutMs,
      });
    case 'onnx': {
      if (config.localModel) return hubGenerator(config.localModel, config, logger);
      const { createOnnxProvider, onnxPlugins, SessionStartError } = await onnxModules();
      try {
        return await createOnnxProvider({
          ...onnxOptions(config, logger, onnxPlugins),
          modelDir: config.localModelDir,
          ...(config.localModelFile ? { modelFile: config.localModelFile } : {}),
        });
      } catch (error) {
        // A listed provider that cannot load stops the start: a gateway that
        // answered ready without it would hand shoppers the fallback text, and
        // a missing or broken model folder does not mend itself by waiting.
        // CUDA asked for and missing says so itself; anything else is the folder's.
        if (error instanceof SessionStartError && config.ortExecutionProvider === 'cuda') throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`the local model (LOCAL_MODEL_DIR=${config.localModelDir}) failed to load: ${reason}`, {
          cause: error,
        });
      }
    }
  }
}

/** The onnx provider options every model source shares. */
function onnxOptions(config: ProviderSettings, logger: Logger, plugins: LogitsProcessorPlugins) {
  return {
    executionProvider: config.ortExecutionProvider,
    ...(config.ortIntraOpThreads > 0 ? { intraOpNumThreads: config.ortIntraOpThreads } : {}),
    maxBatch: config.localMaxBatch,
    maxQueueDelayMs: config.localMaxQueueDelayMs,
    maxQueue: config.localMaxQueue,
    prefillChunk: config.localPrefillChunk,
    plugins,
    logger: { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) },
  };
}

/**
 * LOCAL_MODEL: the model is fetched from the Hub (or its cache) and loaded
 * after the server listens, so probes answer meanwhile; until then the
 * provider says `loading` and /readyz is not ready.
 */
function hubGenerator(localModel: string, config: ProviderSettings, logger: Logger): TextGenerator {
  const { repo, revision } = parseModelRef(localModel);
  return createLoadingGenerator({
    id: 'onnx',
    kind: 'onnx',
    model: repo,
    async load(status, signal) {
      status(`fetching ${repo}@${revision}`);
      const fetched = await fetchModel({
        repo,
        revision,
        modelFile: config.localModelFile,
        cacheDir: path.join(config.hfHome, 'hub'),
        endpoint: config.hfEndpoint,
        token: config.huggingfaceToken,
        offline: config.hfHubOffline,
        logger: { info: (m) => logger.info({ model: repo }, m), warn: (m) => logger.warn({ model: repo }, m) },
        onProgress: (done, total) => status(`downloading ${repo}: ${Math.floor((100 * done) / Math.max(total, 1))}%`),
        signal,
      });
      status(`loading ${repo}@${fetched.commit.slice(0, 12)}`);
      const { createOnnxProvider, onnxPlugins } = await onnxModules();
      const provider = await createOnnxProvider({
        ...onnxOptions(config, logger, onnxPlugins),
        modelDir: fetched.dir,
        modelFile: fetched.graph,
        modelName: repo,
      });
      logger.info({ model: repo, commit: fetched.commit, graph: fetched.graph }, 'local model loaded');
      return provider;
    },
    onError: (error) =>
      logger.error({ err: error, model: repo }, 'local model failed to load; the onnx provider is unavailable'),
  });
}

async function buildEmbedder(config: ProviderSettings): Promise<Embedder | null> {
  switch (config.embeddingsProvider) {
    case 'none':
      return null;
    case 'openai':
      return createOpenAIEmbedder({
        apiKey: config.openaiApiKey,
        baseURL: config.openaiBaseUrl,
        embeddingModel: config.openaiEmbeddingModel,
        timeoutMs: config.providerTimeoutMs,
      });
    case 'huggingface':
      return createHuggingFaceEmbedder({
        apiKey: config.huggingfaceToken,
        embeddingModel: config.hfEmbeddingModel,
        ...(config.hfBaseUrl ? { baseUrl: config.hfBaseUrl } : {}),
        timeoutMs: config.providerTimeoutMs,
      });
    case 'onnx': {
      if (!config.embeddingsModelDir) return null;
      const { createOnnxEmbedder } = await import('./onnx/encoder.js');
      return createOnnxEmbedder({
        modelDir: config.embeddingsModelDir,
        executionProvider: config.ortExecutionProvider,
      });
    }
  }
}

async function buildImageTextScorer(config: ProviderSettings): Promise<ImageTextScorer | null> {
  if (!config.clipModelDir) return null;
  const { createOnnxClipScorer } = await import('./onnx/clip.js');
  return createOnnxClipScorer({
    modelDir: config.clipModelDir,
    executionProvider: config.ortExecutionProvider,
    imageAllowHosts: config.imageFetchAllowHosts,
  });
}

/** Builds every configured provider, in the configured order. */
export async function createProviderRegistry(config: ProviderSettings, logger: Logger): Promise<ProviderRegistry> {
  const generators: TextGenerator[] = [];
  try {
    for (const id of config.providers) generators.push(await buildGenerator(id, config, logger));
  } catch (error) {
    await Promise.allSettled(generators.map((g) => g.close()));
    throw error;
  }
  const [embedder, scorer] = await Promise.all([buildEmbedder(config), buildImageTextScorer(config)]);
  return ProviderRegistry.fromParts(generators, embedder, scorer);
}
