/**
 * Local ONNX generation on the bundled model, CPU: tokens/s at batch 1 and at
 * batch 8 (same requests, same seeds), and how much of the wall time is spent
 * inside session.run versus the JS decoding loop around it.
 *
 *   npm run bench:onnx            (ROUNDS=3 MAX_TOKENS=64 by default)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOnnxProvider, type OnnxTextGenerator } from '../../providers/onnx/index.js';
import type { GenerationRequest } from '../../providers/types.js';
import { buildPrompt } from '../../src/prompts/build-prompt.js';
import { writeSection } from '../report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rounds = Number(process.env.ROUNDS ?? 3);
const maxTokens = Number(process.env.MAX_TOKENS ?? 64);
const quiet = { info: (): void => {}, warn: (): void => {} };

interface Product {
  sku: string;
  title: string;
  category?: string;
  attributes?: string[];
  colors?: string[];
  materials?: string[];
  split: string;
}

function requests(): GenerationRequest[] {
  const products = JSON.parse(readFileSync(path.join(repoRoot, 'catalog', 'products.json'), 'utf8')) as Product[];
  return products
    .filter((p) => p.split === 'test')
    .slice(0, 8)
    .map((p, i) => {
      const product = { id: p.sku, title: p.title, category: p.category ?? null, attributes: p.attributes ?? [], colors: p.colors ?? [], materials: p.materials ?? [] };
      // No stop on EOS would be fairer still, but EOS is part of real use; the count of tokens made is what is divided.
      return { prompt: buildPrompt(product).prompt, parts: { product, promptVersion: 'v3' }, maxTokens, seed: 100 + i };
    });
}

/** fixedLength: EOS suppressed (min_new_tokens = maxTokens), so every row makes exactly maxTokens tokens. */
async function measure(maxBatch: number, reqs: GenerationRequest[], fixedLength: boolean) {
  const p: OnnxTextGenerator = await createOnnxProvider({
    executionProvider: 'cpu',
    maxBatch,
    maxQueueDelayMs: 5,
    logger: quiet,
    // LOCAL_MODEL_DIR may point the bench at another model; nothing else is read from the environment.
    env: { LOCAL_MODEL_DIR: process.env.LOCAL_MODEL_DIR },
    decoding: fixedLength ? { minNewTokens: maxTokens } : {},
  });
  try {
    await p.generate(reqs.slice(0, 1).map((r) => ({ ...r, maxTokens: 4 }))); // warm-up
    const before = p.stats();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) await p.generate(reqs);
    const wallMs = performance.now() - t0;
    const after = p.stats();
    const tokens = after.generatedTokens - before.generatedTokens;
    const runMs = after.sessionRunMs - before.sessionRunMs;
    const batchMs = after.batchMs - before.batchMs;
    const stepMs = runMs / (after.forwardPasses - before.forwardPasses);
    return { model: p.model, maxBatch, fixedLength, tokens, wallMs, tokensPerSecond: (tokens / wallMs) * 1000, runShare: runMs / batchMs, stepMs, batches: after.batches - before.batches };
  } finally {
    await p.close();
  }
}

const reqs = requests();
const runs: Array<Awaited<ReturnType<typeof measure>>> = [];
for (const fixedLength of [false, true]) for (const maxBatch of [1, 8]) runs.push(await measure(maxBatch, reqs, fixedLength));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const rows = runs.map(
  (m) =>
    `| ${m.fixedLength ? 'fixed length' : 'stop at EOS'} | ${m.maxBatch} | ${m.batches} | ${m.tokens} | ${(m.wallMs / 1000).toFixed(2)} | ${m.tokensPerSecond.toFixed(0)} | ${pct(m.runShare)} | ${pct(1 - m.runShare)} |`,
);
const ratio = (fixed: boolean) => {
  const [a, b] = runs.filter((m) => m.fixedLength === fixed);
  return ((b?.tokensPerSecond ?? 0) / (a?.tokensPerSecond ?? 1)).toFixed(2);
};
const worstJs = Math.max(...runs.filter((m) => m.maxBatch === 8).map((m) => 1 - m.runShare));
const body = `Command: \`npm run bench:onnx\` (ROUNDS=${rounds}, MAX_TOKENS=${maxTokens}); model \`${runs[0]?.model}\`, CPU execution provider, ${reqs.length} held-out catalog prompts (v3) per round, seeded sampling from the model's generation_config. "Stop at EOS" is real use (rows end at different lengths, and a batch runs until its longest row ends); "fixed length" suppresses EOS (min_new_tokens) so that every row makes ${maxTokens} tokens.

| workload | maxBatch | batches | tokens | wall s | tokens/s | in session.run | JS loop |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Batch 8 vs batch 1 tokens/s: **${ratio(false)}×** stopping at EOS, **${ratio(true)}×** at fixed length (target ≥ 3×). JS loop share at batch 8: at most **${pct(worstJs)}** (target < 15%); "JS loop" is batch wall time outside \`session.run\` (tensor building, sampling, decoding, KV compaction).`;
const fixed = runs.filter((m) => m.fixedLength);
const note = `\n\nPer forward pass inside session.run (fixed length): ${fixed.map((m) => `batch ${m.maxBatch}: ${m.stepMs.toFixed(2)} ms`).join(', ')}. ` +
  'A batch-8 step costs that many times a batch-1 step, so the tokens/s ratio is 8 ÷ that factor at best. ' +
  'Why the target is missed: the model is tiny (d=128), so a batch-1 step is mostly fixed per-operator cost that batching cannot share further, ' +
  'while a batch-8 step moves 8× the KV cache: each step concatenates the past into new present tensors, which onnxruntime-node returns as fresh JS buffers ' +
  '(a CPU profile of the batch-8 run puts ~68% of samples in session.run, ~7% in the garbage collector freeing those buffers, ~3% in top-k). ' +
  'Pre-allocated output tensors (session.run fetches) gave no clear gain in a micro-benchmark; the machine has 2 cores shared with other jobs, so runs vary by ±30%. ' +
  'A larger model (where matrix products dominate) or an in-place KV cache would batch better.';
console.log(body + note);
writeSection('onnx', 'Local ONNX text generation (CPU)', body + note);
