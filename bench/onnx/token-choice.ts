/**
 * The JavaScript that chooses one row's token at a 151,936-token vocabulary
 * (tiny-qwen2, Qwen2.5's vocabulary), for each sampling setting: the row's
 * processors (a repetition penalty over the ids seen) and chooseToken,
 * against the full sort of the vocabulary that token choice did before
 * (the reference of test/unit/providers/onnx/wide-sampling.test.ts),
 * measured in the same run. Rows are real logits of the fixture, which has
 * random weights and so a nearly flat distribution (the hard case: top-p
 * keeps most of the vocabulary), and the same logits times 8, whose spread
 * is more like a trained model's (a few ids far ahead).
 */
import { readModelFolder } from '../../providers/onnx/model-folder.js';
import { createOrtSession } from '../../providers/onnx/session.js';
import { DecoderSession, describeDecoder } from '../../providers/onnx/decoder-session.js';
import { loadTokenizer } from '../../providers/onnx/tokenizer.js';
import { SeenIds, type RowState } from '../../providers/onnx/logits-processor.js';
import { RepetitionPenalty } from '../../providers/onnx/processors.js';
import { chooseToken, createRng, type SamplingParams } from '../../providers/onnx/sampling.js';

export const SETTINGS: Array<[string, SamplingParams]> = [
  ['greedy', { doSample: false, temperature: 1, topK: 0, topP: 1 }],
  ['top-k 20, top-p 0.8, T 0.7 (Qwen2.5-Instruct)', { doSample: true, temperature: 0.7, topK: 20, topP: 0.8 }],
  ['top-k off, top-p 0.9, T 0.7', { doSample: true, temperature: 0.7, topK: 0, topP: 0.9 }],
  ['top-p 0.95 alone (T 1)', { doSample: true, temperature: 1, topK: 0, topP: 0.95 }],
  ['min-p 0.05 alone', { doSample: true, temperature: 1, topK: 0, topP: 1, minP: 0.05 }],
  ['plain sampling (T 1)', { doSample: true, temperature: 1, topK: 0, topP: 1 }],
  ['top-k 1000, T 0.7', { doSample: true, temperature: 0.7, topK: 1000, topP: 1 }],
];

/** The full-sort reference: every id sorted best first, then HF's warpers and a best-first draw. */
function fullSort(logits: Float32Array, p: SamplingParams, rand: () => number): number {
  const order = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (!p.doSample) return order[0]!;
  const top = order.slice(0, p.topK > 0 ? p.topK : order.length);
  const probs = top.map((i) => Math.exp((logits[i]! - logits[top[0]!]!) / p.temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  let keep = top.length;
  let mass = 0;
  if (p.topP < 1) for (let i = 0; i < probs.length && keep === top.length; i++) if ((mass += probs[i]! / total) >= p.topP) keep = i + 1;
  if ((p.minP ?? 0) > 0) while (keep > 1 && probs[keep - 1]! < p.minP!) keep--;
  let r = rand() * probs.slice(0, keep).reduce((a, b) => a + b, 0);
  for (let i = 0; i < keep; i++) if ((r -= probs[i]!) < 0) return top[i]!;
  return top[keep - 1]!;
}

/** Rows of real logits: the fixture's last positions for `prompts`, then a few greedy steps. */
export async function fixtureRows(dir: string, prompts: readonly string[], steps = 3): Promise<{ rows: Float32Array[]; seen: number[][] }> {
  const folder = readModelFolder(dir);
  const tokenizer = loadTokenizer(folder);
  const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: { info: () => {}, warn: () => {} } });
  try {
    const model = new DecoderSession(session, describeDecoder(session, folder.config));
    const rows: Float32Array[] = [];
    const seen: number[][] = [];
    for (const prompt of prompts) {
      const ids = tokenizer.encode(prompt);
      let out = await model.forward({ batch: 1, ids, seqLen: ids.length, totalLen: ids.length, padding: [0], past: null });
      for (let s = 0; ; s++) {
        rows.push(Float32Array.from(out.lastLogits));
        seen.push([...new Set(ids)]);
        if (s === steps) break;
        const next = chooseToken(out.lastLogits, SETTINGS[0]![1], () => 0);
        ids.push(next);
        out = await model.forward({ batch: 1, ids: [next], seqLen: 1, totalLen: ids.length, padding: [0], past: out.present });
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
  /** Milliseconds per row: processors and chooseToken. */
  ms: number;
  /** Milliseconds per row for the full sort, same rows. */
  fullSortMs: number;
}

/**
 * Per setting and logits set, the median over `passes` of the mean per row.
 * The full sort runs after every setting of ours has been timed: it makes
 * megabytes of garbage per call, whose collection would land in our times.
 */
export function measureChoice(sets: Array<{ name: string; rows: Float32Array[]; seen: number[][] }>, passes = 7): ChoiceCost[] {
  const scratch = new Float32Array(sets[0]!.rows[0]!.length);
  const penalty = new RepetitionPenalty(1.1);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const cases = SETTINGS.flatMap(([setting, params]) => sets.map((set) => ({ setting, params, set })));
  const time = (choose: (l: Float32Array) => number, set: (typeof sets)[number], n: number): number => {
    const states = set.seen.map((ids) => ({ seen: new SeenIds(ids) }) as unknown as RowState);
    // Copying a row into the scratch buffer is not part of the loop's work (it changes the logits in place): left out of the time.
    let t = 0;
    for (let k = 0; k < n; k++) {
      const i = k % set.rows.length;
      scratch.set(set.rows[i]!);
      const t0 = performance.now();
      penalty.process(scratch, states[i]!);
      choose(scratch);
      t += performance.now() - t0;
    }
    return t / n;
  };
  const rand = createRng(1);
  const ours = cases.map(({ params, set }) => {
    time((l) => chooseToken(l, params, rand), set, set.rows.length); // warm-up
    return median(Array.from({ length: passes }, () => time((l) => chooseToken(l, params, rand), set, set.rows.length)));
  });
  return cases.map(({ setting, params, set }, i) => ({
    setting,
    logits: set.name,
    ms: ours[i]!,
    fullSortMs: median(Array.from({ length: 3 }, () => time((l) => fullSort(l, params, rand), set, 2))),
  }));
}
