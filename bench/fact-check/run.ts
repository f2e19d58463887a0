/**
 * Fact-check benchmark: recall on the labelled set's faulty texts and false
 * positives on its clean ones (all, held-out, development, by source), the
 * verdicts per model over every committed bundled-model text and the
 * chapter-4 GPT-3.5 rows, and checks per second over 1,000 texts on one core
 * beside the responsible-AI check (inclusive language, echo, leakage,
 * coverage) timed on the same texts in the same run.
 *
 *   npm run bench:fact-check        writes docs/fact-check.md (section "results") and docs/benchmarks.md (section "fact-check")
 *   node dist/bench/fact-check/run.js --no-write
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse/sync';
import { checkDescription } from '../../src/evaluation/checks/index.js';
import {
  checkFacts,
  compileFactVocabulary,
  FACT_CODES,
  summariseFactChecks,
  type FactCheckProduct,
  type FactCode,
} from '../../src/evaluation/checks/facts/index.js';
import { readCatalogEntries } from '../../src/seed.js';
import { machineDescription, writeSection } from '../report.js';
import {
  labelledSetDir,
  loadLabelledSet,
  paragraphsOf,
  runCase,
  score,
  type CaseOutcome,
  type Scores,
} from './labelled-set.js';

const { values: args } = parseArgs({ options: { 'no-write': { type: 'boolean', default: false } } });
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const chapter4Dir = path.join(
  process.env.STYLESPRINT_SHARED_DIR ?? path.join(repoRoot, '..', 'shared'),
  'datasets',
  'stylesprint-chapter4',
);
const TEXTS = 1000;
/** Timed passes per variant, after one untimed warm-up pass; the median is reported. */
const PASSES = 7;
const COMMAND = 'npm run bench:fact-check';

// ---- Accuracy on the labelled set ----
const cases = loadLabelledSet(chapter4Dir);
const outcomes = cases.map(runCase);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const row = (name: string, s: Scores): string =>
  `| ${name} | ${s.cases} | ${s.faulty} | ${s.clean} | ${s.caught}/${s.faulty} = **${s.recall.toFixed(3)}** | ${s.falsePositives}/${s.clean} = **${pct(s.falsePositiveRate)}** | ${s.exactVerdicts}/${s.cases} | ${s.codeRecall.toFixed(3)} | ${s.codePrecision.toFixed(3)} |`;
const pick = (f: (o: CaseOutcome) => boolean): Scores => score(outcomes.filter(f));
const accuracy = [
  '| part | cases | faulty | clean | recall (faulty not passed) | false positives (clean not passed) | exact verdict | code recall | code precision |',
  '|---|---|---|---|---|---|---|---|---|',
  row('all', score(outcomes)),
  row(
    'held-out',
    pick((o) => o.resolved.case.split === 'held-out'),
  ),
  row(
    'development',
    pick((o) => o.resolved.case.split === 'dev'),
  ),
  row(
    'bundled-model texts',
    pick((o) => o.resolved.source === 'onnx'),
  ),
  row(
    'GPT-3.5 texts (chapter 4)',
    pick((o) => o.resolved.source === 'gpt35'),
  ),
  row(
    'written texts',
    pick((o) => o.resolved.source === 'written'),
  ),
].join('\n');

// Per code: how often the labels expect it and how often the checker finds it where expected.
const perCode = (Object.keys(FACT_CODES) as FactCode[]).map((code) => {
  const expected = outcomes.filter((o) => o.resolved.case.codes.includes(code));
  const found = outcomes.filter((o) => o.codes.includes(code));
  const both = expected.filter((o) => o.codes.includes(code));
  return `| \`${code}\` | ${FACT_CODES[code]} | ${expected.length} | ${both.length} | ${found.length - both.length} |`;
});
const codeTable = [
  '| code | severity | cases expecting it | found there | found elsewhere |',
  '|---|---|---|---|---|',
  ...perCode,
].join('\n');
const misses = outcomes
  .filter((o) => {
    const want = [...o.resolved.case.codes].sort().join();
    return o.verdict !== o.resolved.case.verdict || want !== [...o.codes].sort().join();
  })
  .map((o) => {
    const c = o.resolved.case;
    const missing = c.codes.filter((x) => !o.codes.includes(x));
    const extra = o.codes.filter((x) => !c.codes.includes(x));
    return `- ${c.id} (${c.split}, ${o.resolved.source}): labelled ${c.verdict}${c.codes.length ? ` ${c.codes.join(', ')}` : ''}, checked ${o.verdict}${missing.length ? `; missed ${missing.join(', ')}` : ''}${extra.length ? `; also ${extra.join(', ')}` : ''}${c.note ? ` (${c.note})` : ''}`;
  });

// ---- Verdicts per model over every committed text ----
const catalog = new Map(readCatalogEntries().map((e) => [e.sku, e]));
const asProduct = (sku: string): FactCheckProduct => {
  const e = catalog.get(sku);
  if (!e) throw new Error(`no catalog product ${sku}`);
  return {
    title: e.title,
    category: e.category,
    gender: e.gender,
    price: e.price,
    attributes: e.attributes,
    colors: e.colors,
    sizes: e.sizes,
    materials: e.materials,
  };
};
const onnxTexts = (
  JSON.parse(readFileSync(path.join(labelledSetDir, 'onnx-texts.json'), 'utf8')) as {
    texts: Array<{ sku: string; text: string }>;
  }
).texts;
type Row4 = { product_title: string; product_metadata: string; product_description: string };
const csv = (name: string): Row4[] =>
  parse<Row4>(readFileSync(path.join(chapter4Dir, name), 'utf8'), { columns: true });
const references = csv('reference_data.csv');
const chapter4Product = (i: number): FactCheckProduct => {
  const reference = references[i];
  if (!reference) throw new Error(`no chapter 4 reference row ${i}`);
  return { title: reference.product_title, attributes: reference.product_metadata.split(',').map((a) => a.trim()) };
};
const corpus: Array<{ model: string; text: string; product: FactCheckProduct }> = [
  ...onnxTexts.map((t) => ({
    model: 'bundled model (stylesprint-desc), sample catalog',
    text: t.text,
    product: asProduct(t.sku),
  })),
  ...csv('gpt3_descriptions.csv').map((r, i) => ({
    model: 'GPT-3.5 (chapter 4), whole texts',
    text: r.product_description,
    product: chapter4Product(i),
  })),
  ...csv('gpt3_descriptions.csv').flatMap((r, i) =>
    paragraphsOf(r.product_description).map((p) => ({
      model: 'GPT-3.5 (chapter 4), paragraph by paragraph',
      text: p,
      product: chapter4Product(i),
    })),
  ),
  ...[...catalog.values()].map((e) => ({
    model: 'human references (sample catalog)',
    text: e.description,
    product: asProduct(e.sku),
  })),
];
const summaries = summariseFactChecks(corpus.map((c) => ({ model: c.model, result: checkFacts(c.text, c.product) })));
const top = (s: (typeof summaries)[number]): string =>
  (Object.entries(s.textsWith) as Array<[FactCode, number]>)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([code, n]) => `\`${code}\` ${n}`)
    .join(', ');
const modelTable = [
  '| texts | n | PASS | REVIEW | BLOCK | most frequent findings (texts) |',
  '|---|---|---|---|---|---|',
  ...summaries.map(
    (s) =>
      `| ${s.model} | ${s.texts} | ${pct(s.pass / s.texts)} | ${pct(s.review / s.texts)} | ${pct(s.block / s.texts)} | ${top(s)} |`,
  ),
].join('\n');

// ---- Throughput ----
const pool = [
  ...cases.map((c) => ({ text: c.text, product: c.product })),
  ...corpus.map((c) => ({ text: c.text, product: c.product })),
];
/** `n` items, going round `items` again and again. */
function cycle<T>(items: readonly T[], n: number): T[] {
  if (items.length === 0) throw new Error('nothing to repeat');
  const out: T[] = [];
  while (out.length < n) out.push(...items.slice(0, n - out.length));
  return out;
}
const texts = cycle(pool, TEXTS);
const chars = texts.reduce((n, t) => n + t.text.length, 0);
const median = (xs: number[]): number => {
  const m = [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  if (m === undefined) throw new Error('no median of nothing');
  return m;
};
function rate(run: () => void): { perSecond: number; low: number; high: number } {
  run();
  const rates: number[] = [];
  for (let p = 0; p < PASSES; p++) {
    const t0 = performance.now();
    run();
    rates.push((TEXTS * 1000) / (performance.now() - t0));
  }
  return { perSecond: median(rates), low: Math.min(...rates), high: Math.max(...rates) };
}
const baseline = rate(() => {
  for (const t of texts)
    checkDescription({ text: t.text, attributes: t.product.attributes ?? [], gender: t.product.gender ?? null });
});
const warm = rate(() => {
  for (const t of texts) checkFacts(t.text, t.product);
});
// Each text against a record no check has seen: the product's profile is compiled every time.
let serial = 0;
const cold = rate(() => {
  for (const t of texts) checkFacts(t.text, { ...t.product, title: `${t.product.title} ${(serial += 1)}` });
});
// The longest texts: the chapter-4 GPT-3.5 rows, whole, repeated to the same count.
const long = corpus.filter((c) => c.model.endsWith('whole texts'));
const longTexts = cycle(long, TEXTS);
const longChars = long.reduce((n, t) => n + t.text.length, 0) / long.length;
const longRate = rate(() => {
  for (const t of longTexts) checkFacts(t.text, t.product);
});
const longBaseline = rate(() => {
  for (const t of longTexts)
    checkDescription({ text: t.text, attributes: t.product.attributes ?? [], gender: t.product.gender ?? null });
});
const t0 = performance.now();
compileFactVocabulary();
const compileMs = performance.now() - t0;
const speed = [
  '| check | checks/s (median of 7 passes) | range | vs the responsible-AI check |',
  '|---|---|---|---|',
  `| responsible-AI check (\`checkDescription\` of src/evaluation/checks: inclusive language, echo, leakage, coverage), baseline | ${baseline.perSecond.toFixed(0)} | ${baseline.low.toFixed(0)}–${baseline.high.toFixed(0)} | 1.00× |`,
  `| fact check, catalog products (each product's profile compiled once, then reused) | ${warm.perSecond.toFixed(0)} | ${warm.low.toFixed(0)}–${warm.high.toFixed(0)} | ${(warm.perSecond / baseline.perSecond).toFixed(2)}× |`,
  `| fact check, every text a record never seen (profile compiled per check) | ${cold.perSecond.toFixed(0)} | ${cold.low.toFixed(0)}–${cold.high.toFixed(0)} | ${(cold.perSecond / baseline.perSecond).toFixed(2)}× |`,
  `| responsible-AI check, the ${long.length} GPT-3.5 whole texts (${longChars.toFixed(0)} characters on average) repeated to ${TEXTS}, baseline | ${longBaseline.perSecond.toFixed(0)} | ${longBaseline.low.toFixed(0)}–${longBaseline.high.toFixed(0)} | 1.00× |`,
  `| fact check, the same long texts | ${longRate.perSecond.toFixed(0)} | ${longRate.low.toFixed(0)}–${longRate.high.toFixed(0)} | ${(longRate.perSecond / longBaseline.perSecond).toFixed(2)}× |`,
].join('\n');

// ---- Report ----
console.log(accuracy, '\n');
console.log(codeTable, '\n');
console.log(misses.join('\n') || '(no case differs from its label)', '\n');
console.log(modelTable, '\n');
console.log(speed);
console.log(
  `\n${TEXTS} texts (${(chars / TEXTS).toFixed(0)} characters on average), one core (the main thread); vocabulary compile ${compileMs.toFixed(0)} ms.`,
);

if (!args['no-write']) {
  const measured = `_Measured ${new Date().toISOString().slice(0, 10)} with \`${COMMAND}\` on ${machineDescription()}._`;
  const results = `${measured}

${accuracy}

Recall counts a faulty case as caught when the checker does not PASS it; a false positive is a clean case it does not PASS. Code recall and precision compare the set of codes found with the labelled set's, case by case. Targets: recall ≥ 0.9 and false positives ≤ 5% (held by \`test/unit/evaluation/fact-check/labelled-set.test.ts\`, overall and on the held-out part).

${codeTable}

Cases whose verdict or codes differ from their labels:

${misses.join('\n') || '(none)'}

Verdicts over every committed text (the labelled ones among them): the bundled model's texts for the sample catalog, the chapter-4 GPT-3.5 rows against their titles and metadata, and the catalog's human references, whose copywriter knew more than the record holds (linings, zip pockets, care advice): for them a finding means "not on the record", which is what a reviewer needs to check.

${modelTable}`;
  const docFile = path.join(repoRoot, 'docs', 'fact-check.md');
  if (!existsSync(docFile)) throw new Error(`${docFile} is missing`);
  const doc = readFileSync(docFile, 'utf8');
  const start = '<!-- bench:fact-check:start -->';
  const end = '<!-- bench:fact-check:end -->';
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${docFile} has no ${start} … ${end} section`);
  writeFileSync(docFile, `${doc.slice(0, i + start.length)}\n${results}\n${doc.slice(j)}`);
  writeSection(
    'fact-check',
    'Fact check: checks per second',
    `\`${COMMAND}\`: ${TEXTS} texts (the labelled set's, the committed bundled-model texts, the chapter-4 GPT-3.5 texts and paragraphs, the catalog's human references; ${(chars / TEXTS).toFixed(0)} characters on average), checked one after another on the main thread (one core), one untimed warm-up pass, then ${PASSES} timed passes. The baseline is the responsible-AI check on the same texts in the same run. Vocabulary compile (once per process): ${compileMs.toFixed(0)} ms.

${speed}

Target: at least 2,000 checks/s on one core. Accuracy on the labelled set: docs/fact-check.md.`,
  );
  console.log('\nwrote docs/fact-check.md and docs/benchmarks.md');
}
