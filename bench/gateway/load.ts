/**
 * One load step, run as its own process so that the load generator never
 * shares an event loop with what it measures (the parent pins it to a core):
 *
 *   node dist/bench/gateway/load.js '<LoadSpec as JSON>'
 *
 * Drives autocannon through its API rather than its CLI because autocannon's
 * own latency histogram keeps whole milliseconds and, under `overallRate`,
 * adds coordinated-omission samples at a 1 ms expected interval, which would
 * swamp sub-millisecond overheads. Here every response time is kept as the
 * float autocannon measured (process.hrtime), and the percentiles come from
 * those. Prints one line: a LoadResult as JSON.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { summarizeLatencies, type LatencySummary } from './stats.js';
import { runPaced } from './paced.js';

/** The JSON string replaced per request when `uniqueSeq` is set (write `"seed": SEQ` in the body object). */
export const SEQ = '__SEQ__';

export interface LoadSpec {
  url: string;
  /** Request body (POST, application/json). */
  body: string;
  headers: Record<string, string>;
  /** Open connections (each keeps one request in flight). */
  connections: number;
  /** Seconds of load. */
  durationSec: number;
  /** Requests per second over all connections; omitted: as fast as the connections go (closed loop). */
  overallRate?: number;
  /**
   * With `overallRate`: send evenly paced, open loop (paced.ts) instead of
   * through autocannon's per-second quota. Default: false.
   */
  paced?: boolean;
  /** A response counts as an error unless its body contains this. */
  expect: string;
  /**
   * Replace the JSON string "__SEQ__" in the body with a number unique to each
   * request (from a random start), so that no request can be served from
   * another one in flight or cached. Default: false.
   */
  uniqueSeq?: boolean;
  /** Also return every 2xx latency, so that interleaved runs can be pooled. Default: false. */
  raw?: boolean;
}

export interface LoadResult extends LatencySummary {
  /** Responses with a 2xx status and the expected body. */
  ok: number;
  /** Connection errors, timeouts, non-2xx statuses and body mismatches together. */
  errors: number;
  /** ok responses per second of the step. */
  achievedRps: number;
  /** Every 2xx latency in ms, when the spec asked for `raw`. */
  latencies?: number[];
  /** Paced steps: p99 of how late the generator sent requests after they were due, ms. */
  lateP99?: number;
}

/** The slice of autocannon's untyped API used here. */
interface AutocannonInstance {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
  ): void;
  on(event: 'done', listener: (result: AutocannonResult) => void): void;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  duration: number;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Runs one step in this process (the CLI entry below is the usual way in). */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve) => {
    const latencies: number[] = [];
    let seq = Math.floor(Math.random() * 1e9);
    const unique = spec.uniqueSeq
      ? {
          requests: [
            {
              setupRequest: (req: { body?: string }) => ({
                ...req,
                body: spec.body.replace(`"${SEQ}"`, String(seq++)),
              }),
            },
          ],
        }
      : {};
    const instance = autocannon({
      url: spec.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...spec.headers },
      body: spec.body,
      connections: spec.connections,
      duration: spec.durationSec,
      ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
      verifyBody: (body: string) => body.includes(spec.expect),
      timeout: 10,
      ...unique,
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
    instance.on('done', (result) => {
      const errors = result.errors + result.non2xx + result.mismatches;
      // Timeouts are also counted in `errors` by autocannon, so they are not added again.
      const ok = Math.max(0, result['2xx'] - result.mismatches);
      const achievedRps = ok / Math.max(result.duration, 1e-9);
      resolve({ ...summarizeLatencies(latencies), ok, errors, achievedRps, ...(spec.raw ? { latencies } : {}) });
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const rate = spec.overallRate;
  (spec.paced && rate !== undefined ? runPaced({ ...spec, overallRate: rate }, SEQ) : runLoad(spec)).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
