/**
 * A fake Hugging Face server speaking the real wire protocols, in both forms
 * the HF provider uses:
 * - serverless Inference API: `POST /models/{model}` with `{inputs, parameters}`:
 *   a string input generates text (`[{generated_text}]`, the prompt echoed
 *   unless `parameters.return_full_text === false`); a list input, or
 *   `POST /models/{model}/pipeline/feature-extraction`, returns vectors
 *   (one `number[]` per input, nested arrays);
 * - Text Generation Inference: `POST /generate` (`{generated_text, details}`),
 *   `POST /generate_stream` (SSE token events), `POST /` (TGI's compat route:
 *   `[{generated_text}]`, or SSE when `stream: true`), `GET /health`; plus
 *   Text Embeddings Inference's `POST /embed`.
 *
 * Faults and recording come from fake-http.ts; text and vectors from fake-text.ts.
 */
import {
  flushed,
  sendCutJson,
  sendJson,
  sendMalformedJson,
  startFakeServer,
  startSse,
  type ErrorReply,
  type FakeProtocol,
  type FakeServer,
  type FakeServerOptions,
  type RouteContext,
} from './fake-http.js';
import { fakeCompletion, fakeEmbedding, type FakeCompletion } from './fake-text.js';

export interface FakeHuggingFaceOptions extends FakeServerOptions {
  /** Vector size for feature extraction. Default: 64. */
  embeddingDimensions?: number;
  /** Echo the prompt even when `return_full_text` is false, as some endpoints do. Default: false. */
  alwaysEchoPrompt?: boolean;
}

/** Route names recorded in `calls[].route`. */
export const HF_ROUTES = {
  /** Serverless text generation, `POST /models/{model}` with a string input. */
  textGeneration: 'hf.text-generation',
  /** Serverless feature extraction (list input, or the `/pipeline/feature-extraction` path). */
  featureExtraction: 'hf.feature-extraction',
  tgiGenerate: 'tgi.generate',
  tgiGenerateStream: 'tgi.generate_stream',
  tgiCompat: 'tgi.compat',
  teiEmbed: 'tei.embed',
  health: 'tgi.health',
} as const;

interface HfBody {
  inputs?: string | string[];
  stream?: boolean;
  parameters?: {
    max_new_tokens?: number;
    stop?: string[];
    stop_sequences?: string[];
    seed?: number;
    return_full_text?: boolean;
    details?: boolean;
  };
}

function hfError(status: number, error: string, errorType?: string): ErrorReply {
  return { status, body: errorType === undefined ? { error } : { error, error_type: errorType } };
}

function errorReply(mode: Parameters<FakeProtocol['errorReply']>[0]): ErrorReply {
  switch (mode) {
    case '500':
      return hfError(500, 'Internal Server Error', 'generation');
    case '503':
      return { status: 503, body: { error: 'Model is currently loading', estimated_time: 20 } };
    case '429':
      return hfError(429, 'Rate limit reached. Please retry later.', 'overloaded');
    case '401':
      return hfError(401, 'Invalid credentials in Authorization header');
    case '400':
      return hfError(400, 'Input validation error: `temperature` must be strictly positive', 'validation');
    case 'context_length':
      return hfError(
        422,
        'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 2048. Given: 2100 `inputs` tokens and 50 `max_new_tokens`',
        'validation',
      );
    case 'content_filter':
      return hfError(400, 'Input was flagged by the content policy', 'content_filter');
  }
}

function completionFor(body: HfBody): FakeCompletion {
  const p = body.parameters ?? {};
  return fakeCompletion(String(body.inputs ?? ''), {
    maxTokens: p.max_new_tokens,
    stop: p.stop ?? p.stop_sequences,
    seed: p.seed,
  });
}

function details(body: HfBody, completion: FakeCompletion): object {
  return {
    finish_reason: completion.finish === 'length' ? 'length' : 'eos_token',
    generated_tokens: completion.pieces.length,
    seed: body.parameters?.seed ?? null,
    prefill: [],
    tokens: [],
  };
}

function sendOrFault(ctx: RouteContext, mode: 'ok' | 'malformed_json' | 'stream_cut', answer: unknown): void {
  if (mode === 'malformed_json') sendMalformedJson(ctx.res);
  else if (mode === 'stream_cut') sendCutJson(ctx.res, answer);
  else sendJson(ctx.res, 200, answer);
}

/** TGI's SSE: one event per token, the last carrying `generated_text` and `details`; no `[DONE]`. */
async function tgiStream(ctx: RouteContext, mode: 'ok' | 'malformed_json' | 'stream_cut', body: HfBody): Promise<void> {
  const completion = completionFor(body);
  startSse(ctx.res);
  if (mode === 'malformed_json') {
    ctx.res.end('data: {"token": broken\n\n');
    return;
  }
  const last = completion.pieces.length - 1;
  for (const [i, piece] of completion.pieces.entries()) {
    if (mode === 'stream_cut' && i >= ctx.options.streamCutAfter) {
      await flushed(ctx);
      ctx.res.destroy();
      return;
    }
    await ctx.sleep(ctx.options.chunkDelayMs);
    if (ctx.gone()) return;
    const event = {
      index: i + 1,
      token: { id: i + 1, text: piece, logprob: -0.1, special: false },
      generated_text: i === last ? completion.text : null,
      details: i === last ? details(body, completion) : null,
    };
    ctx.res.write(`data: ${JSON.stringify(event)}\n\n`);
  }
  ctx.res.end();
}

function vectors(inputs: string | string[] | undefined, dimensions: number): number[] | number[][] {
  return typeof inputs === 'string'
    ? fakeEmbedding(inputs, dimensions)
    : (inputs ?? []).map((t) => fakeEmbedding(t, dimensions));
}

/** Starts the fake on 127.0.0.1 (port 0 unless given). Close it in `after`/`finally`. */
export async function startFakeHuggingFace(options: FakeHuggingFaceOptions = {}): Promise<FakeServer> {
  const dimensions = options.embeddingDimensions ?? 64;
  const protocol: FakeProtocol = {
    route(method, path, body) {
      if (method === 'GET' && path === '/health') return HF_ROUTES.health;
      if (method !== 'POST') return undefined;
      if (path.startsWith('/models/') && path.endsWith('/pipeline/feature-extraction'))
        return HF_ROUTES.featureExtraction;
      // The serverless API picks the task from the model; we pick it from the input: a list is embedded.
      if (path.startsWith('/models/') && path.length > '/models/'.length) {
        return Array.isArray((body as HfBody | undefined)?.inputs)
          ? HF_ROUTES.featureExtraction
          : HF_ROUTES.textGeneration;
      }
      if (path === '/generate') return HF_ROUTES.tgiGenerate;
      if (path === '/generate_stream') return HF_ROUTES.tgiGenerateStream;
      if (path === '/embed') return HF_ROUTES.teiEmbed;
      if (path === '/') return HF_ROUTES.tgiCompat;
      return undefined;
    },
    errorReply,
    async handle(ctx, mode) {
      const body = (ctx.call.body ?? {}) as HfBody;
      const route = ctx.call.route;
      if (route === HF_ROUTES.health) return sendJson(ctx.res, 200, {});
      if (route === HF_ROUTES.featureExtraction || route === HF_ROUTES.teiEmbed) {
        return sendOrFault(ctx, mode, vectors(body.inputs, dimensions));
      }
      if (route === HF_ROUTES.tgiGenerateStream || (route === HF_ROUTES.tgiCompat && body.stream))
        return tgiStream(ctx, mode, body);
      const completion = completionFor(body);
      // The serverless pipeline echoes the prompt by default; TGI does not.
      const echo =
        options.alwaysEchoPrompt === true ||
        (route === HF_ROUTES.textGeneration && body.parameters?.return_full_text !== false);
      const generated = { generated_text: (echo ? String(body.inputs ?? '') : '') + completion.text };
      const withDetails = body.parameters?.details ? { ...generated, details: details(body, completion) } : generated;
      if (route === HF_ROUTES.tgiGenerate) return sendOrFault(ctx, mode, withDetails);
      return sendOrFault(ctx, mode, [withDetails]);
    },
  };
  return startFakeServer(protocol, options);
}
