/**
 * Local ONNX generation, CPU: tokens/s at batch 1 and at batch 8 (same
 * requests, same seeds) and how much of the wall time is spent inside
 * session.run versus the JS decoding loop around it, for the bundled model
 * and for tiny-qwen2 (Qwen2.5's 151,936-token vocabulary and tokenizer,
 * random weights), side by side in one run; for the bundled model, under
 * sustained load (many requests queued at once), continuous against static
 * batching, and how long the event loop waits while it generates, with
 * whole-prompt and chunked prefills; and the JS cost of choosing one token
 * at Qwen2.5's vocabulary, per sampling setting (token-choice.ts).
 *
 *   npm run bench:onnx            (ROUNDS=3 MAX_TOKENS=64 PASSES=5 SUSTAINED=64 by default)
 *   node dist/bench/onnx/run.js --no-write     prints only
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import {
  bundledModelDir,
  createOnnxProvider,
  DEFAULT_PREFILL_CHUNK,
  type OnnxTextGenerator,
} from '../../providers/onnx/index.js';
import { readModelFolder } from '../../providers/onnx/model-folder.js';
import { onnxPlugins } from '../../providers/onnx-plugins/index.js';
import type { LogitsProcessorPlugins } from '../../providers/onnx/plugins.js';
import { qwenFixtureDir } from '../../test/helpers/qwen-fixture.js';
import { fixtureRows, measureChoice, straddlingShare } from './token-choice.js';
import { loadTokenizer } from '../../providers/onnx/tokenizer.js';
import { createOrtSession } from '../../providers/onnx/session.js';
import { DecoderSession, describeDecoder, releaseArrays, tensorArrays } from '../../providers/onnx/decoder-session.js';
import type { GenerationRequest } from '../../providers/types.js';
import { buildPrompt } from '../../src/prompts/build-prompt.js';
import { catalogFacts, readCatalogEntries } from '../../src/seed.js';
import { seededRandom } from '../../providers/random.js';
import { writeSection } from '../report.js';
import { percentile } from '../gateway/stats.js';
import { must, mustHave } from '../../test/helpers/must.js';

const rounds = Number(process.env.ROUNDS ?? 3);

/** The middle item of `list` by `key` (the upper one of an even count); the median of numbers by default. */
function middle<T>(list: readonly T[], key: (x: T) => number = (x) => x as unknown as number): T {
  return must([...list].sort((a, b) => key(a) - key(b))[Math.floor(list.length / 2)], 'the middle of a list');
}

/** Item `i` of `list`, going round it again and again. */
function cycled<T>(list: readonly T[], i: number): T {
  return must(list[i % list.length], 'an item of a non-empty list');
}
const maxTokens = Number(process.env.MAX_TOKENS ?? 64);
const quiet = { info: (): void => {}, warn: (): void => {} };

function requests(): GenerationRequest[] {
  return readCatalogEntries()
    .filter((p) => p.split === 'test')
    .slice(0, 8)
    .map((p, i) => {
      const product = catalogFacts(p);
      // No stop on EOS would be fairer still, but EOS is part of real use; the count of tokens made is what is divided.
      // v3: the template the bundled model was trained on (the gateway's default is newer).
      return {
        prompt: buildPrompt(product, { version: 'v3' }).prompt,
        parts: { product, promptVersion: 'v3' },
        maxTokens,
        seed: 100 + i,
      };
    });
}

interface BenchModel {
  dir: string;
  plugins?: LogitsProcessorPlugins;
  /** The block maxima in a run of their own after each pass (the provider's blockMaxInGraph: false), the baseline of the model's own run giving them. */
  apart?: boolean;
}
// LOCAL_MODEL_DIR may point the bench at another model in place of the bundled one.
const BUNDLED: BenchModel = { dir: process.env.LOCAL_MODEL_DIR || bundledModelDir, plugins: onnxPlugins };
const QWEN: BenchModel = { dir: qwenFixtureDir() };
const QWEN_APART: BenchModel = { dir: qwenFixtureDir(), apart: true };

/** fixedLength: EOS suppressed (min_new_tokens = maxTokens), so every row makes exactly maxTokens tokens. */
async function openProvider(
  model: BenchModel,
  maxBatch: number,
  fixedLength: boolean,
  prefillChunk = DEFAULT_PREFILL_CHUNK,
  continuousBatching = true,
): Promise<OnnxTextGenerator> {
  const p = await createOnnxProvider({
    executionProvider: 'cpu',
    maxBatch,
    prefillChunk,
    continuousBatching,
    maxQueueDelayMs: 5,
    logger: quiet,
    modelDir: model.dir,
    ...(process.env.ORT_INTRA_OP_THREADS ? { intraOpNumThreads: Number(process.env.ORT_INTRA_OP_THREADS) } : {}),
    ...(model.plugins ? { plugins: model.plugins } : {}),
    ...(model.apart ? { blockMaxInGraph: false } : {}),
    decoding: fixedLength ? { minNewTokens: maxTokens } : {},
  });
  // Warm-up with other seeds than the measured rounds: a loaded provider has served requests before.
  await p.generate(requests().map((r, i) => ({ ...r, seed: 900 + i })));
  return p;
}

/** One pass: `rounds` rounds of the requests on an open provider, from its stats. */
async function measure(
  p: OnnxTextGenerator,
  maxBatch: number,
  reqs: GenerationRequest[],
  fixedLength: boolean,
  apart = false,
) {
  const before = p.stats();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) await p.generate(reqs);
  const wallMs = performance.now() - t0;
  const after = p.stats();
  const tokens = after.generatedTokens - before.generatedTokens;
  const runMs = after.sessionRunMs - before.sessionRunMs;
  const batchMs = after.batchMs - before.batchMs;
  const blockShare = (after.blockRunMs - before.blockRunMs) / batchMs;
  const stepMs = runMs / (after.forwardPasses - before.forwardPasses);
  return {
    model: p.model,
    apart,
    maxBatch,
    fixedLength,
    tokens,
    wallMs,
    tokensPerSecond: (tokens / wallMs) * 1000,
    runShare: runMs / batchMs,
    blockShare,
    stepMs,
    batches: after.batches - before.batches,
  };
}

/**
 * One decode step (one new token per row) at batch 1 and 8 against a past of
 * the given lengths (zeros; the values do not change the work), median of
 * `repeat` runs after a warm-up: what the step costs as the KV cache grows.
 */
async function pastSweep(pasts: readonly number[], repeat = 40) {
  const folder = readModelFolder(BUNDLED.dir);
  const threads = process.env.ORT_INTRA_OP_THREADS
    ? { intraOpNumThreads: Number(process.env.ORT_INTRA_OP_THREADS) }
    : {};
  const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quiet, ...threads });
  try {
    const model = new DecoderSession(session, describeDecoder(session, folder.config));
    const { kvHeads, headDim } = model.layout;
    const step = async (batch: number, past: number): Promise<number> => {
      // One buffer per past input, as in real decoding (a shared one would sit in the cache for all of them).
      const kv = () =>
        new ort.Tensor('float32', new Float32Array(batch * kvHeads * past * headDim), [batch, kvHeads, past, headDim]);
      const pastTensors = model.layout.kv.flatMap(() => [kv(), kv()]);
      const out = await model.forward({
        batch,
        ids: new Array<number>(batch).fill(1),
        seqLen: 1,
        totalLen: past + 1,
        padding: new Array<number>(batch).fill(0),
        past: pastTensors,
      });
      // As generateBatch does: the step's buffers go back now, not at a later collection.
      releaseArrays([...tensorArrays(pastTensors), ...tensorArrays(out.present ?? []), out.lastLogits]);
      return out.runMs;
    };
    const rows: Array<{ past: number; b1: number; b8: number }> = [];
    // A fresh session's first runs are slow; without this the first row read high.
    const longest = must(pasts.at(-1), 'the longest past');
    for (let i = 0; i < 20; i++) await step(i % 2 ? 8 : 1, longest);
    for (const past of pasts) {
      const median = async (batch: number) => {
        for (let i = 0; i < 5; i++) await step(batch, past);
        const xs: number[] = [];
        for (let i = 0; i < repeat; i++) xs.push(await step(batch, past));
        return middle(xs);
      };
      rows.push({ past, b1: await median(1), b8: await median(8) });
    }
    const tokenizer = loadTokenizer(folder);
    const prompts = requests().map((r) => tokenizer.encode(r.prompt));
    const promptTokens = prompts.map((ids) => ids.length);
    // The prefill of the real prompts: all eight at once (left padded), and each alone.
    const prefill = async (rows: number[][]): Promise<number> => {
      const width = Math.max(...rows.map((r) => r.length));
      const padding = rows.map((r) => width - r.length);
      const ids = rows.flatMap((r) => [...new Array<number>(width - r.length).fill(tokenizer.special.pad), ...r]);
      const out = await model.forward({ batch: rows.length, ids, seqLen: width, totalLen: width, padding, past: null });
      releaseArrays([...tensorArrays(out.present ?? []), out.lastLogits]);
      return out.runMs;
    };
    const medianOf = async (fn: () => Promise<number>, n = 9): Promise<number> => {
      const xs: number[] = [];
      for (let i = 0; i < n; i++) xs.push(await fn());
      return middle(xs);
    };
    await prefill(prompts);
    const prefill8 = await medianOf(() => prefill(prompts));
    let prefill1 = 0;
    for (const p of prompts) prefill1 += await medianOf(() => prefill([p]));
    const c = folder.config;
    const num = (...keys: string[]) => keys.map((k) => c[k]).find((v): v is number => typeof v === 'number');
    const shape = {
      type: typeof c.model_type === 'string' ? c.model_type : 'unknown',
      hidden: num('hidden_size', 'n_embd') ?? 0,
      layers: model.layout.kv.length,
      heads: num('num_attention_heads', 'n_head') ?? 0,
      kvHeads,
      headDim,
    };
    return {
      rows,
      meanPrompt: promptTokens.reduce((a, b) => a + b, 0) / promptTokens.length,
      shape,
      prefill8,
      prefill1,
    };
  } finally {
    await session.release();
  }
}

const reqs = requests();
type Measured = Awaited<ReturnType<typeof measure>>;
// PASSES interleaved passes over the four configurations, so that a burst of
// background load falls on all of them; each row is the pass with the median tokens/s.
const passes = Number(process.env.PASSES ?? 5);
const configs = [
  ...[BUNDLED, QWEN].flatMap((model) =>
    [false, true].flatMap((fixedLength) => [1, 8].map((maxBatch) => ({ model, fixedLength, maxBatch }))),
  ),
  ...[false, true].map((fixedLength) => ({ model: QWEN_APART, fixedLength, maxBatch: 8 })),
];
const samples: Measured[][] = configs.map(() => []);
// One provider per configuration, loaded once and warmed up, as a server keeps its provider.
const providers: OnnxTextGenerator[] = [];
for (const c of configs) providers.push(await openProvider(c.model, c.maxBatch, c.fixedLength));
try {
  for (let pass = 0; pass < passes; pass++) {
    for (const [i, c] of configs.entries())
      must(samples[i], 'samples of a configuration').push(
        await measure(must(providers[i], "a configuration's provider"), c.maxBatch, reqs, c.fixedLength, c.model.apart),
      );
  }
} finally {
  for (const p of providers) await p.close();
}
const runs: Measured[] = samples.map((list) => middle(list, (m) => m.tokensPerSecond));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const rows = runs.map(
  (m) =>
    `| \`${m.model}\`${m.apart ? ', block-max run apart' : ''} | ${m.fixedLength ? 'fixed length' : 'stop at EOS'} | ${m.maxBatch} | ${m.batches} | ${m.tokens} | ${(m.wallMs / 1000).toFixed(2)} | ${m.tokensPerSecond.toFixed(0)} | ${pct(m.runShare)} | ${pct(1 - m.runShare)} | ${pct(m.blockShare)} |`,
);
const bundledName = must(runs[0], "the bundled model's run").model;
const qwenName = must(
  runs.find((m) => m.apart),
  'a run with the block-max run apart',
).model;
const ofModel = (name: string) => runs.filter((m) => m.model === name && !m.apart);
const ratio = (fixed: boolean, name = bundledName) => {
  const [a, b] = ofModel(name).filter((m) => m.fixedLength === fixed);
  return ((b?.tokensPerSecond ?? 0) / (a?.tokensPerSecond ?? 1)).toFixed(2);
};
const worstJsOf = (name: string) =>
  Math.max(
    ...ofModel(name)
      .filter((m) => m.maxBatch === 8)
      .map((m) => 1 - m.runShare),
  );
const worstJs = worstJsOf(bundledName);
const qwenJs = worstJsOf(qwenName);
/** At batch 8, the largest share of the loop without the block-max runs: the JavaScript proper. */
const worstPlainJsOf = (name: string) =>
  Math.max(
    ...ofModel(name)
      .filter((m) => m.maxBatch === 8)
      .map((m) => 1 - m.runShare - m.blockShare),
  );
const qwenAt8 = (apart: boolean, fixed: boolean) =>
  must(
    runs.find((m) => m.model === qwenName && m.apart === apart && m.maxBatch === 8 && m.fixedLength === fixed),
    'a tiny-qwen2 run at batch 8',
  );
const against = (f: (m: Measured) => string) =>
  [false, true]
    .map((fixed) => `${f(qwenAt8(false, fixed))} against ${f(qwenAt8(true, fixed))}`)
    .join(' stopping at EOS and ') + ' at fixed length';
const inGraphNote =
  "For a vocabulary of 32,768 or more (tiny-qwen2's), each row's block maxima and best few tokens, which token choice reads instead of the whole row, come from the model's own session.run: the block-max graph (ReduceMax and TopK over blocks of 128 ids) is appended to the model's graph when it loads (providers/onnx/block-max-graph.ts), and JavaScript recomputes only the blocks of the ids that the processors changed (the repetition penalty's seen ids). " +
  `The rows "block-max run apart" are the same provider with \`blockMaxInGraph: false\`: a run of its own after each pass, over the processed scores (the way before), its share in the last column. ` +
  `Same run, batch 8, in the model's run against apart: tokens/s ${against((m) => m.tokensPerSecond.toFixed(0))}; JS loop ${against((m) => pct(1 - m.runShare))}; session.run per forward pass ${against((m) => `${m.stepMs.toFixed(2)} ms`)} (what the appended part adds inside it). ` +
  `The JavaScript of the loop apart from the run at batch 8 is at most ${pct(worstPlainJsOf(bundledName))} for \`${bundledName}\`.`;
/** Lowest and highest of `xs`, formatted. */
const spread = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
// Pass by pass: each batch-8 pass against the batch-1 pass measured just before it, under the same background load.
const passRatios = (fixed: boolean) => {
  const [one, eight] = [1, 8].map((b) =>
    must(
      samples[configs.findIndex((c) => c.model === BUNDLED && c.fixedLength === fixed && c.maxBatch === b)],
      `the bundled model's batch-${b} passes`,
    ),
  );
  return spread(
    must(eight, 'batch-8 passes').map(
      (m, i) => m.tokensPerSecond / must(must(one, 'batch-1 passes')[i], 'a batch-1 pass').tokensPerSecond,
    ),
    (x) => `${x.toFixed(2)}×`,
  );
};
const passJs = spread(
  configs.flatMap((c, i) =>
    c.model === BUNDLED && c.maxBatch === 8
      ? must(samples[i], "a configuration's passes").map((m) => 1 - m.runShare)
      : [],
  ),
  (x) => pct(x),
);
const body = `Command: \`npm run bench:onnx\` (ROUNDS=${rounds}, MAX_TOKENS=${maxTokens}, PASSES=${passes}: one provider per configuration, loaded and warmed up with one round of other seeds, then measured in ${passes} interleaved passes, the median pass by tokens/s shown); models \`${bundledName}\` (the bundled demo, 3,164 tokens) and \`${qwenName}\` (test/fixtures/models/tiny-qwen2: Qwen2.5's 151,936-token vocabulary and tokenizer, hidden size 16, 2 layers, random weights; its prompts go through Qwen2.5's chat template), CPU execution provider, ${reqs.length} held-out catalog prompts (v3) per round, seeded sampling from each model's generation_config (tiny-qwen2's is Qwen2.5-Instruct's: top-k 20, top-p 0.8, temperature 0.7, repetition penalty 1.1). "Stop at EOS" is real use (rows end at different lengths, and a batch runs until its longest row ends); "fixed length" suppresses EOS (min_new_tokens) so that every row makes ${maxTokens} tokens.

| model | workload | maxBatch | batches | tokens | wall s | tokens/s | in session.run | JS loop | of it, block-max runs |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

\`${bundledName}\`, batch 8 vs batch 1 tokens/s: **${ratio(false)}×** stopping at EOS, **${ratio(true)}×** at fixed length (target ≥ 3×). JS loop share at batch 8: at most **${pct(worstJs)}** for \`${bundledName}\` and **${pct(qwenJs)}** for \`${qwenName}\` (target < 15%; batch ratio ${ratio(false, qwenName)}× and ${ratio(true, qwenName)}× there, where a forward pass costs about the same at batch 1 and 8); "JS loop" is batch wall time outside the model's \`session.run\` (tensor building, processors and token choice, decoding, KV compaction). ${inGraphNote} Pass by pass (each batch-8 pass against the batch-1 pass just before it), the ratio ranged ${passRatios(false)} stopping at EOS and ${passRatios(true)} at fixed length, and the JS share at batch 8 ${passJs}: how far one short pass on this shared machine can stray from the median.`;
const sweep = await pastSweep([1, 40, 120, 220]);

/** Requests of mixed lengths: short and long alternating, as a mobile app's and a personalization service's calls would be. */
const MIXED = [16, 96];

/**
 * Sustained load: SUSTAINED requests (the prompts above, each with several
 * seeds) sent at once as separate calls, as many clients would, to a
 * provider with maxBatch 8 stopping at EOS, all of MAX_TOKENS or of mixed
 * lengths; continuous batching against static (a batch takes new requests
 * only once all its rows have ended), alternating, PASSES passes each, the
 * median by tokens/s kept.
 */
async function sustained(mixed: boolean) {
  const n = Number(process.env.SUSTAINED ?? 64);
  const load = Array.from({ length: n }, (_, i) => ({
    ...cycled(reqs, i),
    seed: 5000 + i,
    ...(mixed ? { maxTokens: cycled(MIXED, i) } : {}),
  }));
  const modes = [false, true];
  const open = await Promise.all(
    modes.map((continuous) => openProvider(BUNDLED, 8, false, DEFAULT_PREFILL_CHUNK, continuous)),
  );
  const out = modes.map(
    () =>
      [] as Array<{
        tokens: number;
        wallMs: number;
        tokensPerSecond: number;
        p50: number;
        p95: number;
        perPass: number;
        runShare: number;
      }>,
  );
  try {
    for (let pass = 0; pass < passes; pass++) {
      for (const [i, p] of open.entries()) {
        const before = p.stats();
        const t0 = performance.now();
        const latencies = await Promise.all(load.map(async (r) => (await p.generate([r]), performance.now() - t0)));
        const wallMs = performance.now() - t0;
        const after = p.stats();
        const tokens = after.generatedTokens - before.generatedTokens;
        latencies.sort((a, b) => a - b);
        must(out[i], "a mode's passes").push({
          tokens,
          wallMs,
          tokensPerSecond: (tokens / wallMs) * 1000,
          p50: percentile(latencies, 0.5),
          p95: percentile(latencies, 0.95),
          perPass: tokens / (after.forwardPasses - before.forwardPasses),
          runShare: (after.sessionRunMs - before.sessionRunMs) / (after.batchMs - before.batchMs),
        });
      }
    }
  } finally {
    for (const p of open) await p.close();
  }
  return {
    n,
    mixed,
    results: modes.map((continuous, i) => ({
      continuous,
      ...middle(must(out[i], "a mode's passes"), (r) => r.tokensPerSecond),
    })),
  };
}
const loads = [await sustained(false), await sustained(true)] as const;
const [load, mixedLoad] = loads;

/**
 * Requests arriving one by one (Poisson, seeded gaps) at a rate the static
 * mode sustains with room to spare (60% of its sustained requests/s above):
 * the latency from each request's arrival to its result, continuous against
 * static batching, alternating, PASSES passes each, medians.
 */
async function arrivals(rate: number) {
  const n = Number(process.env.SUSTAINED ?? 64);
  const rand = seededRandom(7);
  let at = 0;
  const schedule = Array.from({ length: n }, (_, i) => {
    at += -Math.log(1 - rand()) / rate;
    return { at: at * 1000, req: { ...cycled(reqs, i), seed: 7000 + i, maxTokens: cycled(MIXED, i) } };
  });
  const modes = [false, true];
  const open = await Promise.all(
    modes.map((continuous) => openProvider(BUNDLED, 8, false, DEFAULT_PREFILL_CHUNK, continuous)),
  );
  const out = modes.map(() => ({ p50: [] as number[], p95: [] as number[], max: [] as number[] }));
  try {
    for (let pass = 0; pass < passes; pass++) {
      for (const [i, p] of open.entries()) {
        const t0 = performance.now();
        const latencies = await Promise.all(
          schedule.map(
            ({ at, req }) =>
              new Promise<number>((resolve) => {
                // Latency counts from the planned arrival, so a timer held up by a forward pass counts too.
                setTimeout(() => void p.generate([req]).then(() => resolve(performance.now() - t0 - at)), at);
              }),
          ),
        );
        latencies.sort((a, b) => a - b);
        const o = must(out[i], "a mode's passes");
        o.p50.push(percentile(latencies, 0.5));
        o.p95.push(percentile(latencies, 0.95));
        o.max.push(percentile(latencies, 1));
      }
    }
  } finally {
    for (const p of open) await p.close();
  }
  return {
    n,
    rate,
    results: modes.map((continuous, i) => {
      const o = must(out[i], "a mode's passes");
      return { continuous, p50: middle(o.p50), p95: middle(o.p95), max: middle(o.max) };
    }),
  };
}
const staticSustained = must(
  mixedLoad.results.find((r) => !r.continuous),
  'the static mode under mixed lengths',
);
const arrivalRun = await arrivals((0.6 * load.n) / (staticSustained.wallMs / 1000));

/**
 * How long the event loop waits while the model generates batches of 8
 * back to back (onnxruntime-node runs each pass on the calling thread): a
 * 1 ms timer's delay, p99 and max, with whole-prompt prefills and with the
 * default chunks, alternating, 3 s each.
 */
async function loopDelay() {
  const chunks = [0, DEFAULT_PREFILL_CHUNK];
  const open = await Promise.all(chunks.map((c) => openProvider(BUNDLED, 8, false, c)));
  const out = chunks.map(() => ({ p99: [] as number[], max: [] as number[], batchMs: [] as number[] }));
  try {
    for (let round = 0; round < 3; round++) {
      for (const [i, p] of open.entries()) {
        const h = monitorEventLoopDelay({ resolution: 1 });
        h.enable();
        const t0 = performance.now();
        let n = 0;
        while (performance.now() - t0 < 3000) {
          n++;
          await p.generate(reqs.map((r) => ({ ...r, seed: must(r.seed, "a request's seed") + 1000 * n })));
        }
        h.disable();
        const o = must(out[i], "a chunk size's rounds");
        o.p99.push(h.percentile(99) / 1e6);
        o.max.push(h.max / 1e6);
        o.batchMs.push((performance.now() - t0) / n);
      }
    }
  } finally {
    for (const p of open) await p.close();
  }
  return chunks.map((c, i) => {
    const o = must(out[i], "a chunk size's rounds");
    return { chunk: c, p99: middle(o.p99), max: Math.max(...o.max), batchMs: middle(o.batchMs) };
  });
}
const delays = await loopDelay();
const batch1Eos = must(
  runs.find((m) => m.model === bundledName && !m.fixedLength && m.maxBatch === 1),
  'the bundled model at batch 1 stopping at EOS',
);
/** A comparison's result in one batching mode. */
const inMode = <R extends { continuous: boolean }>(results: readonly R[], continuous: boolean): R =>
  must(
    results.find((r) => r.continuous === continuous),
    continuous ? 'the continuous mode' : 'the static mode',
  );
const gain = (l: (typeof loads)[number], k: 'tokensPerSecond' | 'p50' | 'p95') =>
  (inMode(l.results, true)[k] / inMode(l.results, false)[k]).toFixed(2);
const sustainedNote =
  `\n\nSustained load: ${load.n} requests (the ${reqs.length} prompts above, each with ${load.n / reqs.length} seeds) sent at once as separate calls, maxBatch 8, stopping at EOS, ` +
  `all of at most ${maxTokens} tokens, or short and long alternating (at most ${MIXED.join(' and ')} tokens, as a mobile app's and a personalization service's calls would be); ` +
  `${passes} passes alternating between the two modes, the median by tokens/s shown. Static batching (the provider's behaviour before continuous batching, kept as the \`continuousBatching: false\` option for this comparison) ` +
  "starts a new batch only when every row of the last one has ended; continuous batching lets a waiting request take a free row at the next step. Latency is from sending all the requests to each one's result.\n\n" +
  '| requests | batching | tokens | wall s | tokens/s | tokens per forward pass | in session.run | latency p50 | latency p95 |\n|---|---|---|---|---|---|---|---|---|\n' +
  loads
    .flatMap((l) =>
      l.results.map(
        (r) =>
          `| ${l.mixed ? `mixed ${MIXED.join('/')}` : `all ${maxTokens}`} | ${r.continuous ? 'continuous' : 'static'} | ${r.tokens} | ${(r.wallMs / 1000).toFixed(2)} | ${r.tokensPerSecond.toFixed(0)} | ${r.perPass.toFixed(2)} | ${pct(r.runShare)} | ${(r.p50 / 1000).toFixed(2)} s | ${(r.p95 / 1000).toFixed(2)} s |`,
      ),
    )
    .join('\n') +
  `\n\nContinuous ÷ static, same run: tokens/s **${gain(loads[0], 'tokensPerSecond')}×** with requests of one length and **${gain(loads[1], 'tokensPerSecond')}×** with mixed lengths; latency p50 ${gain(loads[0], 'p50')}× and ${gain(loads[1], 'p50')}×, p95 ${gain(loads[0], 'p95')}× and ${gain(loads[1], 'p95')}×. ` +
  `Against batch 1 stopping at EOS in the first table (${batch1Eos.tokensPerSecond.toFixed(0)} tokens/s; one row at a time does not depend on the queue), the sustained batch-8 rate with mixed lengths is ${(inMode(mixedLoad.results, true).tokensPerSecond / batch1Eos.tokensPerSecond).toFixed(2)}× continuous and ${(inMode(mixedLoad.results, false).tokensPerSecond / batch1Eos.tokensPerSecond).toFixed(2)}× static. ` +
  `\n\nRequests arriving one at a time instead: ${arrivalRun.n} requests of mixed lengths (other seeds), Poisson arrivals at ${arrivalRun.rate.toFixed(1)} requests/s (60% of what static batching sustained with mixed lengths above), latency from each request's planned arrival to its result, medians of ${passes} passes:\n\n` +
  '| batching | latency p50 | p95 | max |\n|---|---|---|---|\n' +
  arrivalRun.results
    .map(
      (r) =>
        `| ${r.continuous ? 'continuous' : 'static'} | ${r.p50.toFixed(0)} ms | ${r.p95.toFixed(0)} ms | ${r.max.toFixed(0)} ms |`,
    )
    .join('\n') +
  `\n\nContinuous ÷ static: p50 **${(inMode(arrivalRun.results, true).p50 / inMode(arrivalRun.results, false).p50).toFixed(2)}×**, p95 ${(inMode(arrivalRun.results, true).p95 / inMode(arrivalRun.results, false).p95).toFixed(2)}×. ` +
  'Under static batching a request that arrives while a batch runs waits for the whole batch to end before its own prefill; under continuous batching it waits for the next step, or for the first row to end when all 8 are busy. ' +
  'Joining is not free, which is why tokens per forward pass rise more than tokens/s: the new rows are prefilled in passes of their own, and the running cache and theirs are each left-padded to the longer before they are stacked (one copy of the cache), ' +
  'padding that later steps compute over, masked, until every row has it and it is trimmed. Waiting requests therefore join together, once a quarter of the rows are free or once the oldest has waited LOCAL_MAX_QUEUE_DELAY_MS.';
const fixed = runs.filter((m) => m.model === bundledName && m.fixedLength);
const ratioMet = Number(ratio(false)) >= 3 && Number(ratio(true)) >= 3;
/** Least-squares slope of step time over past length, in µs per token of past. */
const perPastToken = (k: 'b1' | 'b8') => {
  const xs = sweep.rows.map((r) => r.past);
  const ys = sweep.rows.map((r) => r[k]);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxy = sweep.rows.reduce((a, r) => a + (r.past - mx) * (r[k] - my), 0);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return ((sxy / sxx) * 1000).toFixed(1);
};
const attention =
  sweep.shape.kvHeads === sweep.shape.heads
    ? `${sweep.shape.heads} heads, each with its own keys and values`
    : `${sweep.shape.heads} query heads sharing ${sweep.shape.kvHeads} KV head${sweep.shape.kvHeads === 1 ? '' : 's'}`;
const kvBytesPerToken = sweep.shape.layers * 2 * sweep.shape.kvHeads * sweep.shape.headDim * 4;
// The bundled model's history, measured by this bench (see models/stylesprint-desc/README.md).
const HISTORY =
  'The first bundled model had the GPT-2 layout: four heads, each with its own keys and values, so four times the past per token. ' +
  'Measured by this bench, alternating with the present model in one session (2 runs each, same code): batch ratio 1.96–2.30× stopping at EOS and 2.01–2.09× at fixed length, ' +
  'against 2.92–3.11× and 2.91–3.36× for the Llama layout with one KV head (trained on the same data, tokenizer and steps); ' +
  'the batch-8 cost per past token fell from 9.4–11.6 µs to 2.9–5.0 µs. ' +
  "Since the second training stage, the export's attention reads the one KV head in place for its four query heads (stacked along the sequence axis); " +
  "the earlier exports repeated it for each query head, as Hugging Face's repeat_kv does, writing four copies of the cache in every layer at every step. " +
  'One decode step, the two exports alternating in one process (200 steps each, 3 runs, medians): at batch 8, 1.46–1.82 → 1.23–1.70 ms at a past of 120 and 1.98–2.58 → 1.48–2.17 ms at 220; at batch 1 about 10% less. ' +
  'The batch ratio rose with it (2.56–2.76× in the last run before it), and so did the JS share (14.6%): the JavaScript per token stayed as it was while the forward pass it is a share of got cheaper. ' +
  "Then the fact grammar (the model's fact_patterns_file) took over the first two sentences: while it holds, the token is chosen among its few tokens, and the copy bias, the lexicon and the number rule are skipped, " +
  'which made the sampling step about a quarter cheaper than before the grammar (18.0–21.8 against 25.1–29.7 µs a token at batch 8, fixed length, alternating, 3 runs each, with the model retrained for its list openers; JS share 12.8–13.9% against 13.4–17.6% in the same runs); over 8 runs of this bench before it, the JS share at batch 8 was 14.9–17.3%. ';
const jsMet = worstJs < 0.15 && qwenJs < 0.15;
const shortest = must(sweep.rows[0], "the sweep's shortest past");
const fixed8 = must(
  fixed.find((m) => m.maxBatch === 8),
  'the bundled model at batch 8, fixed length',
);
const note =
  `\n\nPer forward pass inside session.run (fixed length): ${fixed.map((m) => `batch ${m.maxBatch}: ${m.stepMs.toFixed(2)} ms`).join(', ')}. ` +
  'A batch-8 step costs that many times a batch-1 step, so the tokens/s ratio is 8 ÷ that factor at best. ' +
  `Targets: batch ratio ${ratioMet ? 'met' : 'missed'}, JS share ${jsMet ? 'met' : 'missed'}. ` +
  'One decode step against a past of a given length (zeros, one buffer per past input, median of 40 steps, same run):\n\n' +
  '| past tokens | batch 1 step | batch 8 step | batch 8 ÷ batch 1 | best tokens/s ratio (8 ÷ that) |\n|---|---|---|---|---|\n' +
  sweep.rows
    .map(
      (r) =>
        `| ${r.past} | ${r.b1.toFixed(2)} ms | ${r.b8.toFixed(2)} ms | ${(r.b8 / r.b1).toFixed(2)}× | ${((8 * r.b1) / r.b8).toFixed(2)}× |`,
    )
    .join('\n') +
  `\n\nWith almost no past, a batch-8 step costs ${(shortest.b8 / shortest.b1).toFixed(1)}× a batch-1 step: the weights and the per-operator cost are shared, and the ratio would be ${((8 * shortest.b1) / shortest.b8).toFixed(1)}×. ` +
  "Every token of past then adds a cost per row, which batching cannot share: the graph concatenates each row's past into new present tensors, attention reads them, and onnxruntime-node copies every present tensor into a new JS buffer after each run. " +
  `At batch 8 that is ${perPastToken('b8')} µs per past token per step (least-squares slope over the rows above), against ${perPastToken('b1')} µs at batch 1, and the catalog's v3 prompts are already ${sweep.meanPrompt.toFixed(0)} tokens on average, so every decode step runs at a past of ${sweep.meanPrompt.toFixed(0)}–${(sweep.meanPrompt + maxTokens).toFixed(0)}. ` +
  `This model (${sweep.shape.type} layout, d=${sweep.shape.hidden}, ${sweep.shape.layers} layers, ${attention}, head size ${sweep.shape.headDim}) keeps ${kvBytesPerToken} bytes of past per token per row (float32 keys and values of every layer). ` +
  HISTORY +
  `The prefill is a small part: the ${reqs.length} prompts at once took ${sweep.prefill8.toFixed(1)} ms, one at a time ${sweep.prefill1.toFixed(1)} ms in all (median of 9 each), ` +
  `against ${(fixed8.wallMs / fixed8.batches).toFixed(0)} ms for a whole batch-8 generation of ${maxTokens} tokens above. ` +
  "The provider gives each step's consumed past and its logits back at once (it detaches their buffers); left to the garbage collector, the buffers that a batch-8 step drops started a full collection every 18 steps or so (with the first model), and a batch-8 decode step cost 3.9–5.2 ms instead of 2.0–2.9 ms. " +
  'The 2 cores of this machine are shared, so runs vary by ±30%; compare ratios within one run.';
const delayNote =
  "\n\nEvent-loop delay while the model generates batches of 8 back to back (a 1 ms timer's lateness; medians of 3 rounds of 3 s, alternating, max over them): onnxruntime-node runs each forward pass on the event loop's thread, so every other request of the gateway waits for the pass in progress. " +
  'The prefill of 8 prompts is the longest pass; LOCAL_PREFILL_CHUNK splits it.\n\n' +
  '| prefill | event-loop delay p99 | max | ms per batch of 8 |\n|---|---|---|---|\n' +
  delays
    .map(
      (d) =>
        `| ${d.chunk === 0 ? 'whole prompts (LOCAL_PREFILL_CHUNK=0)' : `chunks of ${d.chunk} (default)`} | ${d.p99.toFixed(1)} ms | ${d.max.toFixed(1)} ms | ${d.batchMs.toFixed(0)} |`,
    )
    .join('\n');
console.log(body + note + sustainedNote + delayNote);
if (!process.argv.includes('--no-write'))
  writeSection('onnx', 'Local ONNX text generation (CPU)', body + note + sustainedNote + delayNote);

// Token choice at Qwen2.5's vocabulary: real rows of tiny-qwen2 (4 prompts, their last position and 3 greedy steps each).
const fixture = await fixtureRows(
  QWEN.dir,
  reqs.slice(0, 4).map((r) => r.prompt),
  3,
);
const choice = await measureChoice([
  { name: 'tiny-qwen2', ...fixture },
  { name: 'tiny-qwen2 ×8', rows: fixture.rows.map((r) => r.map((x) => x * 8)), seen: fixture.seen },
]);
const slowest = Math.max(...choice.map((c) => c.ms));
// Where per-block sums could stand in for whole blocks: at a plain draw's median target (half the mass) and the top-p cuts.
const straddle = [
  { name: 'tiny-qwen2', rows: fixture.rows },
  { name: 'tiny-qwen2 ×8', rows: fixture.rows.map((r) => r.map((x) => x * 8)) },
].map(({ name, rows }) => {
  const [half, p90] = mustHave(straddlingShare(rows, 0.7, [0.5, 0.9]), 2, 'the shares at T 0.7');
  const [half1, p95] = mustHave(straddlingShare(rows, 1, [0.5, 0.95]), 2, 'the shares at T 1');
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `${name}: ${pct(p90)} at top-p 0.9's cut (T 0.7), ${pct(p95)} at top-p 0.95's (T 1), ${pct(half1)} and ${pct(half)} at half the mass (a median draw; T 1 and 0.7)`;
});
const choiceNote =
  `Command: \`npm run bench:onnx\` (bench/onnx/token-choice.ts), in the same run as the section above. The JavaScript that chooses one row's token at a 151,936-token vocabulary, as the decode loop does it: one block-max run over all ${fixture.rows.length} rows at once before any processor (onnxruntime: each row's blocks' maxima and its best few tokens, the part that the model's own run now does), then the row's processors (a repetition penalty of 1.1 over the ids it has seen) and the mending of its blocks that they changed, then chooseToken per row with its part of the run; per row, the median of 7 passes over the ${fixture.rows.length} rows. ` +
  "Beside it, in the same run on the same rows: the run itself per row (native work, not JavaScript, inside the model's session.run in the decode loop), the same JavaScript without the run (whole rows read), and the full sort of the vocabulary that token choice did before (the reference the tests compare with). " +
  "The rows are tiny-qwen2's own logits, whose random weights make them nearly flat (standard deviation 0.8, the best token about 4.4 deviations up: top-p keeps most of the vocabulary, the hard case for a partial selection), and the same logits times 8, a spread more like a trained model's.\n\n" +
  '| setting | logits | JS per row | block-max run per row | JS per row, whole rows | full sort per row | full sort ÷ ours (JS + run) |\n|---|---|---|---|---|---|---|\n' +
  choice
    .map(
      (c) =>
        `| ${c.setting} | ${c.logits} | ${c.ms.toFixed(3)} ms | ${c.runMs.toFixed(3)} ms | ${c.wholeMs.toFixed(3)} ms | ${c.fullSortMs.toFixed(1)} ms | ${(c.fullSortMs / (c.ms + c.runMs)).toFixed(0)}× |`,
    )
    .join('\n') +
  `\n\nSlowest setting: ${slowest.toFixed(2)} ms of JavaScript per row (target ≤ 1 ms: ${slowest <= 1 ? 'met' : 'missed'}); with the run's share added, ${Math.max(...choice.map((c) => c.ms + c.runMs)).toFixed(2)} ms. ` +
  "Greedy and a top-k of up to 64 read the run's best tokens only; a larger top-k reads only its best blocks (those whose best is at least the k-th best block's). " +
  "Top-k off, top-p, min-p and plain sampling take the best score from the blocks, then one pass over the blocks whose best is not below the floor (a weight of 2^-54 of the best's, min_p's with min-p alone), which sums the weights of the tokens at or above it into 4,096 buckets of log-weight; only the one or two buckets that a cut or the draw falls in are sorted. " +
  'On these rows (both sets) every block holds a token above that floor, so for top-p and plain sampling the pass still reads the whole row: it is what remains of the JS per row there. ' +
  `Bucket weights come from a degree-4 polynomial: a cut or a draw within its proven error of a token boundary takes the reference's arithmetic over every kept token (wideFallbacks()); it did so ${choice.reduce((a, c) => a + c.fallbacks, 0)} times in the ${choice.length * 16 * fixture.rows.length} draws timed here. ` +
  `Per-block sums of the weights (blocks of 128 ids, in id order) could stand in for a block only where it lies wholly on one side of the cut or the draw in score order; the share of blocks with tokens on both sides, mean over the rows: ${straddle.join('; ')}. ` +
  'The 2 cores of this machine are shared with other work, so compare within one run.';
console.log(`\n${choiceNote}`);
if (!process.argv.includes('--no-write'))
  writeSection('onnx-token-choice', 'Choosing a token at a 151,936-token vocabulary (CPU)', choiceNote);
