/**
 * A fingerprint of the bundled model's held-out outputs: the texts (with
 * finish reasons and token counts) of the 24 held-out products, greedy and
 * with seeded sampling, hashed with SHA-256. A change to the decode loop that
 * should not change what the bundled model writes must leave the hash as it
 * is; models/stylesprint-desc/README.md records the current one.
 *
 *   npm run build && node dist/bench/model-quality/outputs-hash.js [--print]
 */
import { createHash } from 'node:crypto';
import { bundledModelDir, createOnnxProvider } from '../../providers/onnx/index.js';
import { onnxPlugins } from '../../providers/onnx-plugins/index.js';
import type { GenerationRequest } from '../../providers/types.js';
import { promptsFor } from './prompt.js';
import { catalogFacts, readCatalogEntries } from '../../src/seed.js';

const quiet = { info: (): void => {}, warn: (): void => {} };
const heldOut = readCatalogEntries().filter((p) => p.split === 'test');

/** The runs hashed: greedy; seeded sampling with the model's own settings; and seeded sampling at a fixed length (EOS held back). */
const runs = [
  { name: 'greedy', seed: 1000, temperature: 0 as number | undefined, fixedLength: 0 },
  { name: 'sampled', seed: 1000, temperature: undefined, fixedLength: 0 },
  { name: 'sampled, fixed length 48', seed: 3000, temperature: undefined, fixedLength: 48 },
];

const modelPrompt = promptsFor(bundledModelDir);
const lines: string[] = [];
for (const run of runs) {
  const p = await createOnnxProvider({
    executionProvider: 'cpu',
    logger: quiet,
    plugins: onnxPlugins,
    decoding: run.fixedLength ? { minNewTokens: run.fixedLength } : {},
  });
  try {
    const reqs: GenerationRequest[] = heldOut.map((prod, i) => {
      const product = catalogFacts(prod);
      // The template the model folder names (the one it was trained on), so that a new default template does not move the hash.
      const r: GenerationRequest = { ...modelPrompt(product), seed: run.seed + i };
      if (run.temperature !== undefined) r.temperature = run.temperature;
      if (run.fixedLength) r.maxTokens = run.fixedLength;
      return r;
    });
    const results = await p.generate(reqs);
    results.forEach((r, i) => {
      const line =
        r instanceof Error ? `error ${r.message}` : `${r.finishReason} ${r.completionTokens} ${JSON.stringify(r.text)}`;
      const sku = heldOut[i]?.sku;
      if (sku === undefined) throw new Error(`result ${i} is past the ${heldOut.length} held-out products`);
      lines.push(`${run.name}\t${sku}\t${line}`);
    });
  } finally {
    await p.close();
  }
}
if (process.argv.includes('--print')) console.log(lines.join('\n'));
console.log(
  `held-out outputs sha256 ${createHash('sha256').update(lines.join('\n')).digest('hex')} (${lines.length} texts)`,
);
