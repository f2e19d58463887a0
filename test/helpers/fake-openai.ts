/**
 * A fake OpenAI server speaking the real wire protocol, for tests and
 * benchmarks: `POST /v1/chat/completions` (JSON, or SSE `data:` chunks ending
 * in `data: [DONE]`, with `usage` when `stream_options.include_usage`),
 * `POST /v1/embeddings` (float or base64) and `GET /v1/models`.
 *
 * Text is derived from the prompt (see fake-text.ts), so tests can assert it.
 * Faults and recording come from fake-http.ts. Standalone, for benchmarks:
 *   node dist/test/helpers/fake-openai.js --port 8089 --latency-ms 50 [--chunk-delay-ms 5] [--mode 503]
 */
import { pathToFileURL } from 'node:url';
import {
  FAULT_MODES,
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
  type FaultMode,
  type RouteContext,
} from './fake-http.js';
import { countTokens, fakeCompletion, fakeEmbedding } from './fake-text.js';

export interface FakeOpenAIOptions extends FakeServerOptions {
  /** Embedding size when the request names no `dimensions`. Default: 64. */
  embeddingDimensions?: number;
  /** Ids listed by `GET /v1/models`. Default: ["gpt-4o-mini", "text-embedding-3-small"]. */
  models?: string[];
  /** Answer chat calls with the prompt itself, as a broken model would (for the echo checks). Default: false. */
  echoPrompt?: boolean;
  /** Quote the request's last user message in error bodies, as some servers and proxies do. Default: false. */
  errorEchoesPrompt?: boolean;
  /** The text a chat call answers with, from its last user message; undefined keeps the derived description. Default: none. */
  reply?: (prompt: string) => string | undefined;
}

export interface FakeOpenAI extends FakeServer {
  /** The base URL to give an OpenAI client: `${url}/v1`. */
  baseURL: string;
  /** Turns prompt echo (see `echoPrompt`) on or off from now on. */
  setEcho(on: boolean): void;
}

/** Route names recorded in `calls[].route`. */
export const OPENAI_ROUTES = { chat: 'chat.completions', embeddings: 'embeddings', models: 'models' } as const;

/** Fixed so that answers are byte-for-byte reproducible. */
const CREATED = 1_700_000_000;

interface ChatMessage {
  role: string;
  content: string | Array<{ type: string; text?: string }> | null;
}

interface ChatBody {
  model?: string;
  messages?: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  seed?: number;
  stop?: string | string[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('');
}

function openAIError(
  status: number,
  message: string,
  type: string | null,
  code: string | null,
  param: string | null = null,
): ErrorReply {
  return { status, body: { error: { message, type, param, code } } };
}

function errorReply(mode: Parameters<FakeProtocol['errorReply']>[0]): ErrorReply {
  switch (mode) {
    case '500':
      return openAIError(
        500,
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
        null,
      );
    case '503':
      return openAIError(503, 'The engine is currently overloaded, please try again later.', 'server_error', null);
    case '429':
      return openAIError(
        429,
        'Rate limit reached for requests. Please try again later.',
        'requests',
        'rate_limit_exceeded',
      );
    case '401':
      return openAIError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    case '400':
      return openAIError(
        400,
        "Invalid type for 'messages[0].role'.",
        'invalid_request_error',
        'invalid_type',
        'messages',
      );
    case 'context_length':
      return openAIError(
        400,
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      );
    case 'content_filter':
      return openAIError(
        400,
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
        null,
        'content_filter',
        'prompt',
      );
  }
}

function writeEvent(ctx: RouteContext, data: unknown): void {
  ctx.res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

async function chat(
  ctx: RouteContext,
  mode: 'ok' | 'malformed_json' | 'stream_cut',
  echoPrompt: boolean,
  reply?: (prompt: string) => string | undefined,
): Promise<void> {
  const body = (ctx.call.body ?? {}) as ChatBody;
  const messages = body.messages ?? [];
  const userMessages = messages.filter((m) => m.role === 'user');
  const prompt = contentText(userMessages[userMessages.length - 1]?.content ?? '');
  const completion = fakeCompletion(prompt, {
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
    stop: body.stop,
    seed: body.seed,
    echo: echoPrompt,
    text: reply?.(prompt),
  });
  const promptTokens = messages.reduce((sum, m) => sum + countTokens(contentText(m.content)), 0);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completion.pieces.length,
    total_tokens: promptTokens + completion.pieces.length,
  };
  const id = `chatcmpl-fake-${ctx.call.path.length}-${promptTokens}`;
  const model = body.model ?? 'gpt-4o-mini';

  if (!body.stream) {
    const answer = {
      id,
      object: 'chat.completion',
      created: CREATED,
      model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: completion.text, refusal: null },
          logprobs: null,
          finish_reason: completion.finish,
        },
      ],
      usage,
    };
    if (mode === 'malformed_json') sendMalformedJson(ctx.res);
    else if (mode === 'stream_cut') sendCutJson(ctx.res, answer);
    else sendJson(ctx.res, 200, answer);
    return;
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (delta: object, finish: string | null): object => ({
    id,
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  startSse(ctx.res);
  writeEvent(ctx, chunk({ role: 'assistant', content: '' }, null));
  if (mode === 'malformed_json') {
    writeEvent(ctx, '{"id": "broken');
    ctx.res.end();
    return;
  }
  let sent = 0;
  for (const piece of completion.pieces) {
    if (mode === 'stream_cut' && sent >= ctx.options.streamCutAfter) {
      // Drop the socket mid-stream, as a crashed server or proxy reset would,
      // once the chunks already written have left (so the client sees them).
      await flushed(ctx);
      ctx.res.destroy();
      return;
    }
    await ctx.sleep(ctx.options.chunkDelayMs);
    if (ctx.gone()) return;
    writeEvent(ctx, chunk({ content: piece }, null));
    sent += 1;
  }
  if (mode === 'stream_cut') {
    await flushed(ctx);
    ctx.res.destroy();
    return;
  }
  writeEvent(ctx, chunk({}, completion.finish));
  if (includeUsage) {
    writeEvent(ctx, {
      id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      system_fingerprint: 'fp_fake',
      choices: [],
      usage,
    });
  }
  writeEvent(ctx, '[DONE]');
  ctx.res.end();
}

function embeddings(ctx: RouteContext, mode: 'ok' | 'malformed_json' | 'stream_cut', defaultDimensions: number): void {
  const body = (ctx.call.body ?? {}) as {
    input?: string | string[];
    model?: string;
    encoding_format?: string;
    dimensions?: number;
  };
  const inputs = typeof body.input === 'string' ? [body.input] : (body.input ?? []);
  const dimensions = body.dimensions ?? defaultDimensions;
  const data = inputs.map((text, index) => {
    const vector = fakeEmbedding(text, dimensions);
    const embedding =
      body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
  const answer = {
    object: 'list',
    data,
    model: body.model ?? 'text-embedding-3-small',
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
  if (mode === 'malformed_json') sendMalformedJson(ctx.res);
  else if (mode === 'stream_cut') sendCutJson(ctx.res, answer);
  else sendJson(ctx.res, 200, answer);
}

/** Starts the fake on 127.0.0.1 (port 0 unless given). Close it in `after`/`finally`. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const dimensions = options.embeddingDimensions ?? 64;
  const models = options.models ?? ['gpt-4o-mini', 'text-embedding-3-small'];
  let echo = options.echoPrompt === true;
  const protocol: FakeProtocol = {
    route(method, path) {
      if (method === 'POST' && path === '/v1/chat/completions') return OPENAI_ROUTES.chat;
      if (method === 'POST' && path === '/v1/embeddings') return OPENAI_ROUTES.embeddings;
      if (method === 'GET' && path === '/v1/models') return OPENAI_ROUTES.models;
      return undefined;
    },
    errorReply(mode, call) {
      const reply = errorReply(mode);
      if (!options.errorEchoesPrompt) return reply;
      const messages = ((call.body ?? {}) as ChatBody).messages ?? [];
      const prompt = contentText(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
      const error = (reply.body as { error: { message: string } }).error;
      return { ...reply, body: { error: { ...error, message: `${error.message} Request was: ${prompt}` } } };
    },
    async handle(ctx, mode) {
      if (ctx.call.route === OPENAI_ROUTES.chat) return chat(ctx, mode, echo, options.reply);
      if (ctx.call.route === OPENAI_ROUTES.embeddings) return embeddings(ctx, mode, dimensions);
      if (mode === 'malformed_json') return sendMalformedJson(ctx.res);
      sendJson(ctx.res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'fake' })),
      });
    },
  };
  const server = await startFakeServer(protocol, options);
  return { ...server, baseURL: `${server.url}/v1`, setEcho: (on) => void (echo = on) };
}

function argValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const mode = argValue(args, '--mode');
  if (mode !== undefined && !(FAULT_MODES as readonly string[]).includes(mode)) {
    throw new TypeError(`--mode must be one of ${FAULT_MODES.join(', ')}; got ${mode}`);
  }
  const fake = await startFakeOpenAI({
    port: Number(argValue(args, '--port') ?? 0),
    host: argValue(args, '--host') ?? '127.0.0.1',
    latencyMs: Number(argValue(args, '--latency-ms') ?? 0),
    chunkDelayMs: Number(argValue(args, '--chunk-delay-ms') ?? 0),
  });
  if (mode !== undefined) fake.setMode(mode as FaultMode);
  // The one line a benchmark script waits for before sending traffic.
  console.log(`fake-openai listening on ${fake.baseURL}`);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
