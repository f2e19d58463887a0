/**
 * ONNX Runtime session creation with execution-provider selection. Shared by
 * the decoder, encoder and CLIP runners so that every model on a machine
 * picks CUDA or CPU the same way and reports what actually runs.
 */
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';

export type ExecutionProviderSetting = 'auto' | 'cuda' | 'cpu';
/** What a session actually runs on. Never 'cuda' unless the CUDA provider loaded. */
export type ActiveExecutionProvider = 'cuda' | 'cpu';

export const EXECUTION_PROVIDER_SETTINGS: readonly ExecutionProviderSetting[] = ['auto', 'cuda', 'cpu'];

// ONNX Runtime's own logger prints a CUDA provider library that fails to load
// (every 'auto' start on a machine without the CUDA binaries) in red on
// stderr, outside our logs, and then throws the same failure, which
// createOrtSession reports: a warning for 'auto', a SessionStartError for
// 'cuda'. Only its fatal messages add anything. It is read once, when the
// first session starts ONNX Runtime, so it is set before any.
ort.env.logLevel = 'fatal';

/** pino's Logger fits this, and so does `console`. */
export interface SessionLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface CreateSessionOptions {
  /** Default 'auto': CUDA when its provider loads, else CPU (logged). */
  executionProvider?: ExecutionProviderSetting;
  /** Intra-op threads for the CPU provider. Default: ONNX Runtime's own (one per physical core). */
  intraOpNumThreads?: number;
  /** Where the choice of provider is logged. Default: console. */
  logger?: SessionLogger;
  /**
   * Let idle intra-op threads spin. Default false: spinning threads compete
   * with Node's own thread and with anything else on the machine, so on a
   * busy machine with few cores they slow the very steps they wait for.
   */
  allowSpinning?: boolean;
  /**
   * The model's bytes, loaded in place of the file (an edited copy of it);
   * `onnxPath` still names it in messages, and its folder is where the
   * external data files are found. Default: the file is loaded.
   */
  model?: Uint8Array;
}

export interface OrtSession {
  session: ort.InferenceSession;
  executionProvider: ActiveExecutionProvider;
}

/** Thrown when a session cannot be created; the message names the model and the provider. */
export class SessionStartError extends Error {
  override readonly name = 'SessionStartError';
}

function sessionOptions(
  ep: ActiveExecutionProvider,
  options: CreateSessionOptions,
  externalData?: string,
): ort.InferenceSession.SessionOptions {
  const o: ort.InferenceSession.SessionOptions = {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    // Errors come back as exceptions; ORT's own warnings (e.g. about unused
    // initializers in exported graphs) would only add noise to the logs.
    logSeverityLevel: 3,
  };
  if (options.intraOpNumThreads !== undefined) o.intraOpNumThreads = options.intraOpNumThreads;
  const spin = options.allowSpinning ? '1' : '0';
  const session: Record<string, unknown> = { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } };
  // A model given as bytes has no folder of its own to find its external data in.
  if (externalData !== undefined) session.model_external_initializers_file_folder_path = externalData;
  o.extra = { session };
  return o;
}

/** Opens `onnxPath`, or options.model (bytes) with their external data beside `onnxPath`. */
function open(
  onnxPath: string,
  ep: ActiveExecutionProvider,
  options: CreateSessionOptions,
): Promise<ort.InferenceSession> {
  if (!options.model) return ort.InferenceSession.create(onnxPath, sessionOptions(ep, options));
  return ort.InferenceSession.create(options.model, sessionOptions(ep, options, dirname(onnxPath)));
}

/**
 * Creates one session for `onnxPath`. With 'auto' it tries CUDA and falls back
 * to CPU when the CUDA provider fails to load; with 'cuda' that failure is a
 * SessionStartError, because a caller who asked for a GPU must not silently
 * get a CPU.
 */
export async function createOrtSession(onnxPath: string, options: CreateSessionOptions = {}): Promise<OrtSession> {
  const setting = options.executionProvider ?? 'auto';
  const logger = options.logger ?? console;
  if (setting === 'cuda' || setting === 'auto') {
    try {
      const session = await open(onnxPath, 'cuda', options);
      logger.info(`onnx: ${onnxPath} runs on the CUDA execution provider`);
      return { session, executionProvider: 'cuda' };
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
      if (setting === 'cuda') {
        throw new SessionStartError(
          `executionProvider 'cuda' was requested but the CUDA execution provider could not start for ${onnxPath}: ${reason}. ` +
            `Install onnxruntime-node with its CUDA binaries on a machine with an NVIDIA GPU, or set ORT_EXECUTION_PROVIDER=cpu or auto.`,
          { cause },
        );
      }
      logger.warn(`onnx: CUDA execution provider unavailable (${reason}); ${onnxPath} runs on CPU`);
    }
  }
  try {
    const session = await open(onnxPath, 'cpu', options);
    if (setting === 'cpu') logger.info(`onnx: ${onnxPath} runs on the CPU execution provider`);
    return { session, executionProvider: 'cpu' };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SessionStartError(`could not load ONNX model ${onnxPath} on CPU: ${reason}`, { cause });
  }
}

/** Reads `ORT_EXECUTION_PROVIDER`-style text; throws on anything but auto, cuda or cpu. */
export function parseExecutionProvider(
  value: string | undefined,
  fallback: ExecutionProviderSetting = 'auto',
): ExecutionProviderSetting {
  if (value === undefined || value === '') return fallback;
  const v = value.trim().toLowerCase();
  if ((EXECUTION_PROVIDER_SETTINGS as readonly string[]).includes(v)) return v as ExecutionProviderSetting;
  throw new TypeError(
    `execution provider must be one of ${EXECUTION_PROVIDER_SETTINGS.join(', ')}; got ${JSON.stringify(value)}`,
  );
}

/** The tensor metadata of a named input or output, or undefined when the graph has none by that name. */
export function tensorMetadata(
  list: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): ort.InferenceSession.TensorValueMetadata | undefined {
  const m = list.find((x) => x.name === name);
  return m && m.isTensor ? m : undefined;
}
