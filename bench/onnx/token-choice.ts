/**
 * The JavaScript that chooses one row's token at a 151,936-token vocabulary
 * (tiny-qwen2, Qwen2.5's vocabulary), for each sampling setting: the row's
 * processors (a repetition penalty over the ids seen) and chooseToken with
 * the row's part of a block-max run over the scores before the processors
 * (as the model's own run gives it), mended for the ids they changed
 * (block-max-session.ts), against the full
 * sort of the vocabulary that token choice did before (the reference of
 * test/unit/providers/onnx/wide-sampling.test.ts), measured in the same run.
 * Rows are real logits of the fixture, which has random weights and so a
 * nearly flat distribution (the hard case: top-p keeps most of the
 * vocabulary), and the same logits times 8, whose spread is more like a
 * trained model's (a few ids far ahead).
 */
import { readModelFolder } from '../../providers/onnx/model-folder.js';
import { createOrtSession } from '../../providers/onnx/session.js';
import { DecoderSession, describeDecoder } from '../../providers/onnx/decoder-session.js';
import { loadTokenizer } from '../../providers/onnx/tokenizer.js';
import { SeenIds, type RowState } from '../../providers/onnx/logits-processor.js';
import { RepetitionPenalty } from '../../providers/onnx/processors.js';
import { bestNeeded, chooseToken, createRng, type SamplingParams } from '../../providers/onnx/sampling.js';
import { BlockMaxSession, mendRow, rowBlocks, TOP_LIMIT } from '../../providers/onnx/block-max-session.js';
import { wideFallbacks } from '../../providers/onnx/wide-sampling.js';

const GREEDY: SamplingParams = { doSample: false, temperature: 1, topK: 0, topP: 1 };

export const SETTINGS: Array<[string, SamplingParams]> = [
  ['greedy', GREEDY],
  ['top-k 20, top-p 0.8, T 0.7 (Qwen2.5-Instruct)', { doSample: true, temperature: 0.7, topK: 20, topP: 0.8 }],
  ['top-k off, top-p 0.9, T 0.7', { doSample: true, temperature: 0.7, topK: 0, topP: 0.9 }],
  ['top-p 0.95 alone (T 1)', { doSample: true, temperature: 1, topK: 0, topP: 0.95 }],
  ['min-p 0.05 alone', { doSample: true, temperature: 1, topK: 0, topP: 1, minP: 0.05 }],
  ['plain sampling (T 1)', { doSample: true, temperature: 1, topK: 0, topP: 1 }],
  ['top-k 1000, T 0.7', { doSample: true, temperature: 0.7, topK: 1000, topP: 1 }],
];

/** The full-sort reference: every id sorted best first, then HF's warpers and a best-first draw. */
function fullSort(logits: Float32Array, p: SamplingParams, rand: () => number): number {
  // Every id and position read here is in range: NaN were one not.
  const score = (i: number): number => logits[i] ?? Number.NaN;
  const order = [...logits.keys()].sort((a, b) => score(b) - score(a) || a - b);
  const [best] = order;
  if (best === undefined) throw new RangeError('no logits to choose from');
  if (!p.doSample) return best;
  const top = order.slice(0, p.topK > 0 ? p.topK : order.length);
  const probs = top.map((i) => Math.exp((score(i) - score(best)) / p.temperature));
  const probAt = (i: number): number => probs[i] ?? Number.NaN;
  const total = probs.reduce((a, b) => a + b, 0);
  let keep = top.length;
  let mass = 0;
  if (p.topP < 1)
    for (const [i, prob] of probs.entries()) {
      if ((mass += prob / total) >= p.topP) {
        keep = i + 1;
        break;
      }
    }
  const minP = p.minP ?? 0;
  if (minP > 0) while (keep > 1 && probAt(keep - 1) < minP) keep--;
  let r = rand() * probs.slice(0, keep).reduce((a, b) => a + b, 0);
  let last = best;
  for (const [i, id] of top.slice(0, keep).entries()) {
    last = id;
    if ((r -= probAt(i)) < 0) return id;
  }
  return last;
}

/** Rows of real logits: the fixture's last positions for `prompts`, then a few greedy steps. */
export async function fixtureRows(
  dir: string,
  prompts: readonly string[],
  steps = 3,
): Promise<{ rows: Float32Array[]; seen: number[][] }> {
  const folder = readModelFolder(dir);
  const tokenizer = loadTokenizer(folder);
  const { session } = await createOrtSession(folder.onnxPath, {
    executionProvider: 'cpu',
    logger: { info: () => {}, warn: () => {} },
  });
  try {
    const model = new DecoderSession(session, describeDecoder(session, folder.config));
    const rows: Float32Array[] = [];
    const seen: number[][] = [];
    for (const prompt of prompts) {
      const ids = tokenizer.encode(prompt);
      let out = await model.forward({
        batch: 1,
        ids,
        seqLen: ids.length,
        totalLen: ids.length,
        padding: [0],
        past: null,
      });
      for (let s = 0; ; s++) {
        rows.push(Float32Array.from(out.lastLogits));
        seen.push([...new Set(ids)]);
        if (s === steps) break;
        const next = chooseToken(out.lastLogits, GREEDY, () => 0);
        ids.push(next);
        out = await model.forward({
          batch: 1,
          ids: [next],
          seqLen: 1,
          totalLen: ids.length,
          padding: [0],
          past: out.present,
        });
      }
    }
    return { rows, seen };
  } finally {
    await session.release();
  }
}

export interface ChoiceCost {
  setting: string;
  logits: string;
  /** Milliseconds per row: processors, mending the row's part of the block-max run, and chooseToken with it. */
  ms: number;
  /** Milliseconds per row of the block-max run over all the set's rows at once (native, onnxruntime): the part the model's run now does. */
  runMs: number;
  /** Milliseconds per row for processors and chooseToken without the run's results (reading whole rows). */
  wholeMs: number;
  /** Milliseconds per row for the full sort, same rows. */
  fullSortMs: number;
  /** Draws of this setting and set (every pass, with and without the run) that fell within rounding of a token boundary and took the exact fallback. */
  fallbacks: number;
}

/**
 * Per setting and logits set, the median over `passes` of the mean per row,
 * as the decode loop does it: one block-max run over all the rows before any
 * processor (the part that the model's own run does for its batch), then
 * every row's processors and the mending of its part of the run, then each
 * row's chooseToken with it. The run is timed apart: it is onnxruntime's
 * work, not JavaScript. The same without the run (whole rows),
 * and the full sort, on the same rows. The full sort runs after every setting
 * of ours has been timed: it makes megabytes of garbage per call, whose
 * collection would land in our times.
 */
export async function measureChoice(
  sets: Array<{ name: string; rows: Float32Array[]; seen: number[][] }>,
  passes = 7,
): Promise<ChoiceCost[]> {
  const vocab = sets[0]?.rows[0]?.length;
  if (vocab === undefined) throw new RangeError('no rows to measure token choice on');
  const blockMax = await BlockMaxSession.create(vocab);
  if (!blockMax) throw new RangeError(`no block size divides a vocabulary of ${vocab}`);
  try {
    const penalty = new RepetitionPenalty(1.1);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const cases = SETTINGS.flatMap(([setting, params]) => sets.map((set) => ({ setting, params, set })));
    const rand = createRng(1);
    const scratches = new Map<(typeof sets)[number], Float32Array>();
    const scratchOf = (set: (typeof sets)[number], length: number): Float32Array => {
      const kept = scratches.get(set);
      if (kept) return kept;
      const made = new Float32Array(length);
      scratches.set(set, made);
      return made;
    };
    /** One pass over the set's rows: JS ms per row and run ms per row. */
    const pass = async (
      params: SamplingParams,
      set: (typeof sets)[number],
      withBlocks: boolean,
    ): Promise<{ js: number; run: number }> => {
      const n = set.rows.length;
      const states = set.seen.map((ids) => ({ seen: new SeenIds(ids) }) as unknown as RowState);
      // Copying the rows into the pass's buffer is not part of the loop's work (its logits arrive so): left out of the time.
      // The buffer is the set's own, reused by every pass: a fresh one per pass (rows × vocabulary floats) would start
      // collections that land inside the timed part at random.
      const scratch = scratchOf(set, n * vocab);
      set.rows.forEach((row, i) => scratch.set(row, i * vocab));
      const rowOf = (i: number) => scratch.subarray(i * vocab, (i + 1) * vocab);
      let run = 0;
      let scores = null;
      if (withBlocks) {
        const k = bestNeeded(params);
        const t0 = performance.now();
        scores = await blockMax.run(scratch, n, k <= TOP_LIMIT ? k : 0);
        run = performance.now() - t0;
      }
      const t0 = performance.now();
      for (const [i, state] of states.entries()) {
        const row = rowOf(i);
        const ids = penalty.touches(state);
        // The touched ids' scores before the penalty (every id is below the vocabulary's size).
        const raw = scores ? Float32Array.from(ids, (id) => row[id] ?? NaN) : null;
        penalty.process(row, state);
        if (scores && raw) mendRow(scores, i, row, ids, raw);
      }
      for (let i = 0; i < n; i++) chooseToken(rowOf(i), params, rand, null, scores ? rowBlocks(scores, i) : null);
      const js = performance.now() - t0;
      return { js: js / n, run: run / n };
    };
    const timed = async (params: SamplingParams, set: (typeof sets)[number], withBlocks: boolean) => {
      await pass(params, set, withBlocks); // warm-up
      const xs: Array<{ js: number; run: number }> = [];
      for (let p = 0; p < passes; p++) xs.push(await pass(params, set, withBlocks));
      return { js: median(xs.map((x) => x.js)), run: median(xs.map((x) => x.run)) };
    };
    const ours: Array<{
      js: number;
      run: number;
      whole: number;
      fallbacks: number;
      setting: string;
      params: SamplingParams;
      set: (typeof sets)[number];
    }> = [];
    for (const { setting, params, set } of cases) {
      const before = wideFallbacks();
      const blocks = await timed(params, set, true);
      const whole = (await timed(params, set, false)).js;
      ours.push({ ...blocks, whole, fallbacks: wideFallbacks() - before, setting, params, set });
    }
    const fullSortTime = (params: SamplingParams, set: (typeof sets)[number]): number => {
      const scratch = new Float32Array(vocab);
      const states = set.seen.map((ids) => ({ seen: new SeenIds(ids) }) as unknown as RowState);
      let t = 0;
      for (const [i, row] of set.rows.slice(0, 2).entries()) {
        const state = states[i];
        if (!state) throw new RangeError(`row ${i} of ${set.name} has no token history`);
        scratch.set(row);
        const t0 = performance.now();
        penalty.process(scratch, state);
        fullSort(scratch, params, rand);
        t += performance.now() - t0;
      }
      return t / 2;
    };
    return ours.map(({ setting, params, set, js, run, whole, fallbacks }) => ({
      setting,
      logits: set.name,
      ms: js,
      runMs: run,
      wholeMs: whole,
      fullSortMs: median(Array.from({ length: 3 }, () => fullSortTime(params, set))),
      fallbacks,
    }));
  } finally {
    await blockMax.release();
  }
}

/**
 * Per-block sums of the weights (blocks of `size` consecutive ids) can stand
 * in for a block's tokens only where the block lies wholly on one side of a
 * cut in score order. For each cumulative mass share (a top-p cut, or a draw's
 * target), the mean share over `rows` of the blocks that hold tokens on both
 * sides of the score where the running weight, best first, reaches it: those
 * a cut or a draw there would still have to read token by token.
 */
export function straddlingShare(
  rows: readonly Float32Array[],
  temperature: number,
  shares: readonly number[],
  size = 128,
): number[] {
  const totals = shares.map(() => 0);
  for (const row of rows) {
    const sorted = Float32Array.from(row).sort().reverse();
    const max = sorted[0] ?? -Infinity;
    const weights = Array.from(sorted, (v) => Math.exp((v - max) / temperature));
    const total = weights.reduce((a, w) => a + w, 0);
    const cuts = shares.map((share) => {
      let mass = 0;
      const at = weights.findIndex((w) => (mass += w) >= share * total);
      return sorted[at < 0 ? sorted.length - 1 : at] ?? -Infinity;
    });
    const blocks = row.length / size;
    for (let j = 0; j < blocks; j++) {
      const block = row.subarray(j * size, (j + 1) * size);
      const lo = Math.min(...block);
      const hi = Math.max(...block);
      for (const [c, cut] of cuts.entries()) if (lo < cut && cut <= hi) totals[c] = (totals[c] ?? 0) + 1 / blocks;
    }
  }
  return totals.map((t) => t / rows.length);
}
