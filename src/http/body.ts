import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    readonly reason: 'TOO_LARGE' | 'INVALID_UTF8' | 'ABORTED',
    message: string,
  ) {
    super(message);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a request body up to `limit` bytes. It stops reading as soon as the
 * limit is passed, so a 10 MB body costs no more memory than the limit.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyError('TOO_LARGE', `request body is larger than the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.resume();
        reject(new BodyError('TOO_LARGE', `request body is larger than the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        resolve(decoder.decode(Buffer.concat(chunks)));
      } catch {
        reject(new BodyError('INVALID_UTF8', 'request body is not valid UTF-8'));
      }
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      reject(new BodyError('ABORTED', error.message));
    });
  });
}
