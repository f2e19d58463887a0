import { fixtureRows } from './token-choice.js';
import { qwenFixtureDir } from '../../test/helpers/qwen-fixture.js';
import { chooseToken, createRng } from '../../providers/onnx/sampling.js';
const { rows } = await fixtureRows(qwenFixtureDir(), ['Write a product description for a linen summer dress.', 'A soft wool coat', 'Trail running shoes', 'Organic cotton shopper'], 3);
const scratch = new Float32Array(rows[0]!.length);
const rand = createRng(1);
const p = { doSample: true, temperature: 0.7, topK: 0, topP: 0.9 };
const g = { doSample: false, temperature: 1, topK: 0, topP: 1 };
let tp = Infinity, tg = Infinity;
for (let r = 0; r < 40; r++) {
  let t = 0; for (const row of rows) { scratch.set(row); const t0 = performance.now(); chooseToken(scratch, p, rand); t += performance.now() - t0; } tp = Math.min(tp, t / rows.length);
  t = 0; for (const row of rows) { scratch.set(row); const t0 = performance.now(); chooseToken(scratch, g, rand); t += performance.now() - t0; } tg = Math.min(tg, t / rows.length);
}
console.log('top-p', tp.toFixed(3), 'greedy', tg.toFixed(3), (tp / tg).toFixed(1));
