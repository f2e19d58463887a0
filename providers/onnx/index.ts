/**
 * The local ONNX Runtime text generator: a causal LM run in-process on CPU or
 * CUDA, the embedded default that needs no keys and no network. Concurrent
 * `generate` calls are gathered into batched forward passes (see
 * micro-batcher.ts) by one decode loop with a KV cache (generate-batch.ts):
 * a request that arrives while a batch runs joins it at the next step when a
 * slot is free, and each request resolves as soon as its own row ends.
 *
 * Cancellation: a request whose `signal` fires leaves its batch at the next
 * step and resolves with finishReason 'cancelled' and the text generated so
 * far; the other rows of the batch carry on unchanged.
 *
 * Decoding: generation_config.json's Hugging Face fields become each row's
 * processors (processors.ts); a model's own rules come from the plugin its
 * generation_config names (plugins.ts), which gets each request's `parts`
 * as an opaque context.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ProviderError,
  type GenerateOptions,
  type GenerationRequest,
  type GenerationResult,
  type Honours,
  type PromptFormat,
  type ProviderHealth,
  type TextGenerator,
} from '../types.js';
import { DecoderSession, describeDecoder, graphHasOperator, type DecoderLayout } from './decoder-session.js';
import { decodeLoop, type BatchTimings, type RowRequest, type RowResult } from './generate-batch.js';
import { decodingDefaults, requestDecoding, type DecodingDefaults } from './generation-params.js';
import { MicroBatcher, WaitAbandonedError, type MicroBatcherStats } from './micro-batcher.js';
import { graphCandidates, readModelFolder, type ModelFolder } from './model-folder.js';
import { loadPlugin, type LogitsProcessorPlugin, type LogitsProcessorPlugins } from './plugins.js';
import { rowProcessors } from './processors.js';
import {
  createOrtSession,
  tensorMetadata,
  type ExecutionProviderSetting,
  type OrtSession,
  type SessionLogger,
} from './session.js';
import { BlockMaxSession } from './block-max-session.js';
import { APPENDED, withBlockMax } from './block-max-graph.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer.js';
import { chatMessages, loadChatTemplate } from './chat-template.js';
import { readHonours, readPromptVersion } from './honours.js';

/** The folder name of the bundled demo model under models/. */
export const BUNDLED_MODEL = 'stylesprint-desc';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** The bundled model's folder, found from this file (works from source and from dist/). */
export const bundledModelDir = path.join(findRepoRoot(), 'models', BUNDLED_MODEL);

export interface OnnxProviderOptions {
  /** Provider id. Default 'onnx'. */
  id?: string;
  /** Model folder (HF ONNX layout). Default: the bundled models/stylesprint-desc. */
  modelDir?: string;
  /** The graph to load: a path in the folder (`onnx/model_q4.onnx`) or a bare name looked for in onnx/ and then the folder. Default: the first of the exporters' usual names. */
  modelFile?: string;
  /** The provider's `model` name. Default: the folder's base name. */
  modelName?: string;
  /** Clock for chat templates that print the date. Default: () => new Date(). */
  now?: () => Date;
  /** Default 'auto' (CUDA when it loads, else CPU). */
  executionProvider?: ExecutionProviderSetting;
  /** CPU intra-op threads. Default: ONNX Runtime's choice. */
  intraOpNumThreads?: number;
  /** Most requests decoding at once (rows of a forward pass). Default 8. */
  maxBatch?: number;
  /** How long a request waits for others to batch with. Default 5. */
  maxQueueDelayMs?: number;
  /** Most requests waiting; beyond it requests fail at once with kind 'unavailable'. Default 256. */
  maxQueue?: number;
  /** false: static batching (a batch takes new requests only once all its rows have ended), for comparison. Default true. */
  continuousBatching?: boolean;
  /** false: a large vocabulary's block maxima come from a run of their own after each pass, not from the model's own run, for comparison. Default true. */
  blockMaxInGraph?: boolean;
  /** Longest piece of the prompts per forward pass, per row of a full batch (KV-cache graphs; see generate-batch.ts). 0: whole prompts. Default 16. */
  prefillChunk?: number;
  /** Decoding settings over the model's generation_config.json (requests override both). Default: none. */
  decoding?: Partial<DecodingDefaults>;
  /** The plugins a model folder may name (plugins.ts); a folder that names one not here does not load. Default: none. */
  plugins?: LogitsProcessorPlugins;
  /** Where the execution provider choice is logged. Default: console. */
  logger?: SessionLogger;
}

export interface OnnxProviderStats extends MicroBatcherStats {
  forwardPasses: number;
  generatedTokens: number;
  /** Time inside the model's session.run, summed. */
  sessionRunMs: number;
  /** Time inside the block-max runs of token choice (large vocabularies), summed; part of batchMs - sessionRunMs. */
  blockRunMs: number;
  /** Wall time of the decode loop, summed; batchMs - sessionRunMs is the JS loop. */
  batchMs: number;
}

export type OnnxTextGenerator = TextGenerator & {
  stats(): OnnxProviderStats;
  readonly executionProvider: 'cuda' | 'cpu';
};

interface Item {
  row: RowRequest;
}

/** Vocabularies this large get their blocks' maxima from a block-max session: below it one JavaScript pass per row is about as cheap as a run. */
const LARGE_VOCABULARY = 32_768;

/** Prompt tokens per prefill pass by default (src/config.ts's LOCAL_PREFILL_CHUNK has the same default). */
export const DEFAULT_PREFILL_CHUNK = 16;

/** How a request's prompt becomes token ids, and what the folder says of its prompts. */
interface Prompting {
  encode(request: GenerationRequest): number[];
  promptFormat: PromptFormat;
  promptVersion: string | undefined;
  honours: Honours;
}

function readPrompting(folder: ModelFolder, tokenizer: TextTokenizer, now: (() => Date) | undefined): Prompting {
  const chatTemplate = loadChatTemplate(folder, now ? { now } : {});
  const promptFormat = chatTemplate ? 'chat_template' : 'plain';
  const promptVersion = readPromptVersion(folder.dir);
  // A model trained on one prompt template reads no other: it is sent that template's rendering when the request has it.
  const ownPrompt = (request: GenerationRequest): Pick<GenerationRequest, 'system' | 'prompt'> =>
    (promptVersion ? request.promptVariants?.[promptVersion] : undefined) ?? request;
  // A template writes the special tokens itself (the BOS included, where the model has one), so encoding adds none, as transformers does.
  const encode = (request: GenerationRequest): number[] =>
    chatTemplate
      ? tokenizer.encode(chatTemplate.render(chatMessages(ownPrompt(request))), { addSpecialTokens: false })
      : tokenizer.encode(ownPrompt(request).prompt);
  return { encode, promptFormat, promptVersion, honours: readHonours(folder.dir, promptFormat) };
}

/** The model's sessions and the batching they allow. */
interface OpenModel extends OrtSession {
  model: DecoderSession;
  /** A large vocabulary's rows get their blocks' maxima from one run per pass (generate-batch.ts). */
  blockMax: BlockMaxSession | null;
  batching: { maxBatch: number; maxQueueDelayMs: number; maxQueue: number; continuous: boolean };
}

async function openModel(
  folder: ModelFolder,
  options: OnnxProviderOptions,
  plugin: LogitsProcessorPlugin | null,
): Promise<OpenModel> {
  // onnxruntime's GroupQueryAttention reads every row as starting at position 0 (right padding, its seqlens_k), and the
  // decode loop left-pads the rows of a batch, which such a graph would read wrong: it decodes one request at a time.
  const oneRowAttention = await graphHasOperator(folder.onnxPath, 'GroupQueryAttention');
  if (oneRowAttention && (options.maxBatch ?? 8) > 1) {
    (options.logger ?? console).warn(
      `onnx: ${folder.name} uses GroupQueryAttention, which reads rows as right-padded; it decodes one request at a time`,
    );
  }
  const batching = {
    maxBatch: oneRowAttention ? 1 : (options.maxBatch ?? 8),
    maxQueueDelayMs: options.maxQueueDelayMs ?? 5,
    maxQueue: options.maxQueue ?? 256,
    continuous: options.continuousBatching ?? true,
  };
  const sessionOptions: Parameters<typeof createOrtSession>[1] = {
    executionProvider: options.executionProvider ?? 'auto',
  };
  if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
  if (options.logger) sessionOptions.logger = options.logger;
  let opened: OrtSession | null = await createOrtSession(folder.onnxPath, sessionOptions);
  try {
    const layout = describeDecoder(opened.session, folder.config);
    if (layout.vocabSize > 0) plugin?.prepare?.(layout.vocabSize);
    const blockMax =
      layout.vocabSize >= LARGE_VOCABULARY
        ? await BlockMaxSession.create(layout.vocabSize, options.intraOpNumThreads)
        : null;
    const edit =
      blockMax && options.blockMaxInGraph !== false
        ? await withBlockMaxBytes(folder, opened.session, layout, blockMax, options.logger)
        : null;
    let edited = false;
    if (edit) {
      // Both sessions would hold the weights at once while the edited one loads: the plain one goes first, and is
      // opened again only where the edited one does not load.
      await opened.session.release();
      opened = await openEdited(folder, edit, sessionOptions);
      edited = opened !== null;
      opened ??= await createOrtSession(folder.onnxPath, sessionOptions);
    }
    const model = new DecoderSession(opened.session, layout, edited ? (blockMax as BlockMaxSession).size : undefined);
    return { ...opened, model, blockMax, batching };
  } catch (error) {
    await opened?.session.release();
    throw error;
  }
}

/**
 * The decoder's file with the block-max graph appended (block-max-graph.ts),
 * so that each forward pass gives its blocks' maxima too, with no run of its
 * own; null where that cannot be (logits that are not float32, a file that
 * does not parse so): the separate block-max session does the work then, as
 * it does for rows whose processors do not say what they change.
 */
async function withBlockMaxBytes(
  folder: ModelFolder,
  plain: ort.InferenceSession,
  layout: DecoderLayout,
  blockMax: BlockMaxSession,
  logger: OnnxProviderOptions['logger'],
): Promise<Uint8Array | null> {
  if (tensorMetadata(plain.outputMetadata, 'logits')?.type !== 'float32') return null;
  try {
    // A graph fed logits_to_keep gives one position per row, which the appended part reads in place.
    return withBlockMax(
      await readFile(folder.onnxPath),
      blockMax.vocab,
      blockMax.size,
      layout.logitsToKeepInput !== undefined,
    );
  } catch (cause) {
    warnApart(folder, cause, logger);
    return null;
  }
}

/** The session of the edited file (withBlockMaxBytes), or null where it does not load so (the plain file is then opened again). */
async function openEdited(
  folder: ModelFolder,
  model: Uint8Array,
  options: Parameters<typeof createOrtSession>[1],
): Promise<OrtSession | null> {
  try {
    const edited = await createOrtSession(folder.onnxPath, { ...options, model });
    if (edited.session.outputNames.includes(APPENDED.maxima)) return edited;
    await edited.session.release();
  } catch (cause) {
    warnApart(folder, cause, options?.logger);
  }
  return null;
}

function warnApart(folder: ModelFolder, cause: unknown, logger: OnnxProviderOptions['logger']): void {
  (logger ?? console).warn(
    `onnx: ${folder.name}: block maxima in a run of their own (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`,
  );
}

/** What one request's generation reads and writes of its provider. */
interface ProviderState {
  id: string;
  folder: ModelFolder;
  tokenizer: TextTokenizer;
  prompting: Prompting;
  defaults: DecodingDefaults;
  plugin: LogitsProcessorPlugin | null;
  model: DecoderSession;
  batcher: MicroBatcher<Item, RowResult>;
  lastError: string | null;
  closed: boolean;
}

/** One request of a generate call, queued as a row of the decode loop; errors come back as values. */
async function generateOne(
  state: ProviderState,
  request: GenerationRequest,
  index: number,
  opts: GenerateOptions,
): Promise<GenerationResult | ProviderError> {
  const { id, folder, model, batcher } = state;
  const started = performance.now();
  const promptIds = state.prompting.encode(request);
  const decoding = requestDecoding(request, state.defaults);
  const room = model.layout.maxPositions - promptIds.length;
  if (room <= 0) {
    return new ProviderError(
      'context_length',
      id,
      `prompt is ${promptIds.length} tokens; ${folder.name} takes at most ${model.layout.maxPositions}`,
    );
  }
  const row: RowRequest = {
    promptIds,
    maxNewTokens: Math.min(decoding.maxNewTokens, room),
    sampling: decoding,
    processors: rowProcessors(
      decoding,
      state.tokenizer.special.eos,
      state.plugin?.forRow({ context: request.parts, promptIds }) ?? null,
    ),
    seed: request.seed ?? randomInt(2 ** 32),
    stop: request.stop ?? [],
    signal: opts.signal,
    onText: opts.onToken ? (piece) => opts.onToken?.(index, piece) : undefined,
  };
  const pending = batcher.enqueue({ row }, opts.signal);
  if (!pending) {
    return new ProviderError(
      'unavailable',
      id,
      state.closed ? 'provider is closed' : `queue full (${batcher.maxQueue} waiting)`,
    );
  }
  try {
    const { tokenIds: _ids, ...r } = await pending;
    return { ...r, latencyMs: performance.now() - started, providerId: id, model: folder.name };
  } catch (cause) {
    // Cancelled before its turn: it answers at once, as a row cancelled before its first token would.
    if (cause instanceof WaitAbandonedError) {
      const latencyMs = performance.now() - started;
      return {
        text: '',
        finishReason: 'cancelled',
        promptTokens: promptIds.length,
        completionTokens: 0,
        latencyMs,
        providerId: id,
        model: folder.name,
      };
    }
    if (cause instanceof ProviderError) return cause;
    state.lastError = cause instanceof Error ? cause.message : String(cause);
    return new ProviderError('unavailable', id, `local generation failed: ${state.lastError}`, { cause });
  }
}

/** The micro-batcher that feeds the decode loop, with the timings and token count it adds to as it runs. */
function startBatcher(
  opened: OpenModel,
  tokenizer: TextTokenizer,
  prefillChunk: number,
): { batcher: MicroBatcher<Item, RowResult>; timings: BatchTimings; counts: { generatedTokens: number } } {
  const { model, blockMax, batching } = opened;
  // Added to by the decode loop as it runs, so stats() is live under sustained load.
  const timings: BatchTimings = { runMs: 0, blockRunMs: 0, totalMs: 0, forwardPasses: 0 };
  const counts = { generatedTokens: 0 };
  const batcher = new MicroBatcher<Item, RowResult>(async (take) => {
    const rows = (free: number) =>
      take(free).map((t) => ({
        req: t.item.row,
        done: (r: RowResult) => {
          counts.generatedTokens += r.completionTokens;
          t.resolve(r);
        },
      }));
    await decodeLoop(model, tokenizer, rows, {
      prefillChunk,
      maxRows: batching.maxBatch,
      timings,
      ...(blockMax ? { blockMax } : {}),
    });
  }, batching);
  return { batcher, timings, counts };
}

/** Closes the provider once: refuses new work, waits for the running batch, then releases the sessions. */
async function closeProvider(state: ProviderState, opened: OpenModel): Promise<void> {
  if (state.closed) return;
  state.closed = true;
  state.batcher.close(new ProviderError('unavailable', state.id, 'provider is closed'));
  // Releasing the session under a running batch would pull it from under session.run.
  while (state.batcher.stats().running) await new Promise((resolve) => setTimeout(resolve, 5));
  await opened.session.release();
  await opened.blockMax?.release();
}

/** Loads the model once (one session per model) and returns the provider. */
export async function createOnnxProvider(options: OnnxProviderOptions = {}): Promise<OnnxTextGenerator> {
  const id = options.id ?? 'onnx';
  const folder = readModelFolder(
    options.modelDir ?? bundledModelDir,
    options.modelFile ? { onnxFiles: graphCandidates(options.modelFile) } : {},
  );
  if (options.modelName) folder.name = options.modelName;
  const tokenizer = loadTokenizer(folder);
  const prompting = readPrompting(folder, tokenizer, options.now);
  // Every setting is read before the session exists, so a bad one leaks nothing.
  const defaults = decodingDefaults(folder.generationConfig, options.decoding);
  const plugin = loadPlugin({ folder, tokenizer }, options.plugins ?? {});
  const prefillChunk = options.prefillChunk ?? DEFAULT_PREFILL_CHUNK;
  const opened = await openModel(folder, options, plugin);
  const { executionProvider, model } = opened;
  const { batcher, timings, counts } = startBatcher(opened, tokenizer, prefillChunk);
  const state: ProviderState = {
    id,
    folder,
    tokenizer,
    prompting,
    defaults,
    plugin,
    model,
    batcher,
    lastError: null,
    closed: false,
  };
  const { promptFormat, promptVersion, honours } = prompting;

  return {
    id,
    kind: 'onnx',
    model: folder.name,
    ...(promptVersion ? { promptVersion } : {}),
    executionProvider,
    capabilities: { streaming: true, seed: true, maxBatchSize: batcher.maxBatch, honours, promptFormat },
    generate: (requests, opts = {}) => Promise.all(requests.map((r, i) => generateOne(state, r, i, opts))),
    stats: () => ({
      ...batcher.stats(),
      forwardPasses: timings.forwardPasses,
      generatedTokens: counts.generatedTokens,
      sessionRunMs: timings.runMs,
      blockRunMs: timings.blockRunMs,
      batchMs: timings.totalMs,
    }),
    async health(): Promise<ProviderHealth> {
      const cache = model.hasPast ? (model.layout.hasUseCacheBranch ? 'merged' : 'kv') : 'none';
      return {
        healthy: !state.closed,
        configured: true,
        lastError: state.lastError,
        details: { executionProvider, model: folder.name, cache, promptFormat },
      };
    },
    close: () => closeProvider(state, opened),
  };
}
