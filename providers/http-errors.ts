/**
 * The one place where upstream failures (HTTP statuses, SDK errors, aborts,
 * broken streams) become a `ProviderError`. Both hosted backends use it, so
 * the routing layer sees the same `kind` for the same failure whatever SDK
 * produced it.
 */
import { ProviderError, type ProviderErrorKind } from './types.js';

/** What a backend knows about a failed call beyond the thrown error. */
export interface FailureContext {
  /** HTTP status, when the backend recorded one itself (e.g. through a fetch wrapper). */
  status?: number;
  /** Response headers, for `Retry-After`. */
  headers?: HeadersLike;
  /** Response body (parsed JSON or text), for telling context-length and content-filter 400s apart. */
  body?: unknown;
  /** The per-call timeout fired. */
  timedOut?: boolean;
  /** The caller's signal fired (or the provider was closed). */
  aborted?: boolean;
  /** Secrets to scrub from messages (API keys). */
  secrets?: readonly string[];
}

/** Headers as `fetch` returns them, or as a plain record (Node's IncomingHttpHeaders, SDK copies). */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

const CONTEXT_LENGTH =
  /context[_ ]length|maximum context|context window|must be <= \d+|too many (input )?tokens|input is too long|exceeds the (model'?s )?(maximum|limit)/i;
const CONTENT_FILTER =
  /content[_ ]filter|content[_ ]policy|content management policy|safety system|flagged|policy[_ ]violation/i;

/**
 * `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns milliseconds from `now`, never negative; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Reads one header from either header shape, case-insensitively. */
export function headerValue(headers: HeadersLike | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === lower) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** The kind for an HTTP status; `bodyText` refines 400/404/422 into context-length or content-filter. */
export function kindForStatus(status: number, bodyText = ''): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'unavailable';
  if (status >= 400) {
    if (CONTEXT_LENGTH.test(bodyText)) return 'context_length';
    if (CONTENT_FILTER.test(bodyText)) return 'content_filtered';
    return 'bad_request';
  }
  // A non-error status that still failed (a 2xx with a broken body, a 3xx we did not follow).
  return 'unavailable';
}

/** Replaces each secret, and anything shaped like a provider key, with a marker. */
export function redact(message: string, secrets: readonly string[] = []): string {
  let out = message;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.replace(/\b(sk-[A-Za-z0-9_*-]{6,}|hf_[A-Za-z0-9]{6,})/g, '[redacted]');
}

interface Found {
  status?: number;
  headers?: HeadersLike;
  body?: unknown;
  names: string[];
  messages: string[];
}

/**
 * Walks the error and its `cause` chain: LangChain wraps SDK errors (e.g. a
 * context-overflow error keeps the OpenAI `APIError` as `cause`), so the
 * status may sit a level or two down.
 */
function inspect(error: unknown): Found {
  const found: Found = { names: [], messages: [] };
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth += 1) {
    const e = current as Record<string, unknown>;
    if (typeof e.name === 'string') found.names.push(e.name);
    if (typeof e.message === 'string') found.messages.push(e.message);
    if (found.status === undefined && typeof e.status === 'number') found.status = e.status;
    if (found.headers === undefined && e.headers && typeof e.headers === 'object')
      found.headers = e.headers as HeadersLike;
    // OpenAI SDK: `.error` is the parsed body's `error` object; `.code` e.g. "context_length_exceeded".
    if (found.body === undefined && e.error !== undefined) found.body = e.error;
    if (typeof e.code === 'string') found.messages.push(e.code);
    // @huggingface/inference: InferenceClientProviderApiError.httpResponse = {status, body}.
    const httpResponse = e.httpResponse as { status?: unknown; body?: unknown } | undefined;
    if (httpResponse && typeof httpResponse === 'object') {
      if (found.status === undefined && typeof httpResponse.status === 'number') found.status = httpResponse.status;
      if (found.body === undefined) found.body = httpResponse.body;
    }
    current = e.cause;
  }
  return found;
}

function bodyToText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body);
  } catch {
    return '';
  }
}

const TIMEOUT_NAMES = new Set(['TimeoutError', 'APIConnectionTimeoutError']);
const ABORT_NAMES = new Set(['AbortError', 'APIUserAbortError']);

/**
 * Turns any failure into a ProviderError tagged with `providerId`. Already
 * mapped errors pass through. Precedence: our own timeout, then a caller
 * abort, then the HTTP status, then the error's name; anything else (network
 * errors, malformed JSON, a stream cut short) is `unavailable`.
 *
 * A caller abort maps to `timeout` (there is no "cancelled" kind): the caller
 * holds the signal and knows it fired, so routing need not guess, and
 * metering counts the call as cancelled (`GenerateOptions.callerGone`).
 */
export function toProviderError(providerId: string, error: unknown, context: FailureContext = {}): ProviderError {
  if (error instanceof ProviderError) return error;
  const found = inspect(error);
  const status = context.status ?? found.status;
  const headers = context.headers ?? found.headers;
  const body = context.body ?? found.body;
  const raw = [...found.messages.slice(0, 2), bodyToText(body)].filter(Boolean).join(' | ');
  const detail = redact(raw.replace(/\s+/g, ' ').trim().slice(0, 500), context.secrets);
  const options = { cause: error, ...(status === undefined ? {} : { status }) };

  if (context.timedOut) return new ProviderError('timeout', providerId, `${providerId}: request timed out`, options);
  if (context.aborted)
    return new ProviderError('timeout', providerId, `${providerId}: request aborted by caller`, options);

  if (status !== undefined && (status < 200 || status >= 300)) {
    const kind = kindForStatus(status, `${found.messages.join(' ')} ${bodyToText(body)}`);
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'));
    return new ProviderError(kind, providerId, `${providerId}: upstream ${status}: ${detail}`, {
      ...options,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (found.names.some((n) => TIMEOUT_NAMES.has(n))) {
    return new ProviderError('timeout', providerId, `${providerId}: request timed out: ${detail}`, options);
  }
  if (found.names.some((n) => ABORT_NAMES.has(n))) {
    return new ProviderError('timeout', providerId, `${providerId}: request aborted: ${detail}`, options);
  }
  return new ProviderError('unavailable', providerId, `${providerId}: ${detail || 'upstream failure'}`, options);
}
