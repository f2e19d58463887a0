import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors/codes.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A GraphQL-shaped error answer for failures before GraphQL runs (body too large, bad JSON, …). */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  sendJson(res, status, { errors: [{ message, extensions: { ...extensions, code } }] });
}
