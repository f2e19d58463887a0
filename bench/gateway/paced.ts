/**
 * Open-loop, evenly paced load: request i is due at start + i / rate, sent
 * when due whether or not earlier ones have answered (a pool of keep-alive
 * connections large enough that none waits for a free one unless the path is
 * overloaded). Used for the throughput frontier and the soak, for every path
 * alike. autocannon's rate limit is a per-second quota per connection: every
 * connection sends its quota at the start of its second, so at 25/s the
 * requests came in bursts and p99 measured the burst, not the path.
 *
 * Latency is taken from the moment a request is handed to the pool, which is
 * when it is due, whatever earlier requests are doing: a request that waits
 * for a connection or behind others in the path counts its wait (no
 * coordinated omission). How late the generator itself was (timers fire up
 * to a millisecond late, more on a busy core) is reported apart, as
 * `lateP99`, so that a step limited by the generator can be told from one
 * limited by the path.
 */
import { Pool } from 'undici';
import { summarizeLatencies } from './stats.js';
import type { LoadResult, LoadSpec } from './load.js';

/** Requests due in the first this-many seconds of a step warm the connections and are not counted. */
export const PACED_WARMUP_SEC = 0.5;
/** A request without an answer this long after it was due is an error. */
const REQUEST_TIMEOUT_MS = 10_000;

/** `spec.body` with the "__SEQ__" placeholder replaced, when asked for. */
type BodyFor = (seq: number) => string;

export async function runPaced(spec: LoadSpec & { overallRate: number }, seqPlaceholder: string): Promise<LoadResult> {
  const url = new URL(spec.url);
  const pool = new Pool(url.origin, {
    connections: spec.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const headers = { 'content-type': 'application/json', ...spec.headers };
  let seq = Math.floor(Math.random() * 1e9);
  const bodyFor: BodyFor = spec.uniqueSeq
    ? () => spec.body.replace(`"${seqPlaceholder}"`, String(seq++))
    : () => spec.body;
  const rate = spec.overallRate;
  const interval = 1000 / rate;
  const warmup = Math.round(PACED_WARMUP_SEC * rate);
  const total = warmup + Math.round(spec.durationSec * rate);
  const latencies: number[] = [];
  const late: number[] = [];
  let ok = 0;
  let errors = 0;
  let lastAnswer = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (index: number): void => {
    const counted = index >= warmup;
    const sent = performance.now();
    const done = pool
      .request({ path: url.pathname + url.search, method: 'POST', headers, body: bodyFor(index) })
      .then(async (res) => {
        const text = await res.body.text();
        const finished = performance.now();
        lastAnswer = finished;
        if (!counted) return;
        if (res.statusCode >= 200 && res.statusCode < 300 && text.includes(spec.expect)) {
          ok += 1;
          latencies.push(finished - sent);
        } else {
          errors += 1;
        }
      })
      .catch(() => {
        if (counted) errors += 1;
      });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const start = performance.now() + 20;
  const firstCounted = start + warmup * interval;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const due = start + next * interval;
        if (next >= warmup) late.push(now - due);
        send(next);
        next += 1;
      }
      if (next >= total) return resolve();
      // Timers fire up to a millisecond late; what is due by then is sent at once, and the lateness is recorded.
      setTimeout(tick, Math.max(0, start + next * interval - performance.now() - 0.5));
    };
    tick();
  });
  const lastDue = start + (total - 1) * interval;
  await Promise.all([...inFlight]);
  await pool.close();
  // Achieved: answers to counted requests over the counted schedule or, when
  // the path fell behind, until its last answer less a typical latency (a
  // path that keeps up answers the last request one latency after it is due).
  const summary = summarizeLatencies(latencies);
  const typical = Number.isFinite(summary.p50) ? summary.p50 : 0;
  const seconds = Math.max(lastDue - firstCounted + interval, lastAnswer - firstCounted - typical) / 1000;
  return {
    ...summary,
    ok,
    errors,
    achievedRps: ok / seconds,
    lateP99: summarizeLatencies(late).p99,
    ...(spec.raw ? { latencies } : {}),
  };
}
