import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '../../../src/evaluation/benchmark/summarize.js';
import type {
  BenchmarkRow,
  BenchmarkSpec,
  ModelSpec,
  RowResult,
  RowScores,
} from '../../../src/evaluation/benchmark/types.js';
import {
  buildReport,
  recommend,
  renderMarkdown,
  verdict,
  RULE,
  type CheckColumn,
  type ReportInput,
} from '../../../src/evaluation/benchmark/report/index.js';
import { runLine } from '../../../src/evaluation/benchmark/report/text.js';
import { rowRecord } from '../../../src/evaluation/benchmark/score.js';
import { checkFacts } from '../../../src/evaluation/checks/facts/index.js';
import { must } from '../../helpers/must.js';

/*
 * Twelve made-up products whose references name the product's facts and add
 * words of their own. "copy" restates the facts; "writer" writes the
 * reference's own words. Scores are set by hand so that each scenario's
 * paired tests come out as it needs (12 same-sign pairs: exact p = 2/4096).
 */
const COLOURS = ['red', 'blue', 'green', 'black', 'white', 'grey', 'pink', 'brown', 'navy', 'olive', 'cream', 'plum'];
const ITEMS = [
  'coat',
  'dress',
  'skirt',
  'scarf',
  'jacket',
  'shirt',
  'blouse',
  'sweater',
  'cardigan',
  'trousers',
  'gown',
  'vest',
];
const OWN: Array<[string, string, string]> = [
  ['breezy', 'drape', 'summer'],
  ['tailored', 'collar', 'office'],
  ['cosy', 'ribbing', 'winter'],
  ['swingy', 'hem', 'party'],
  ['boxy', 'shoulder', 'weekend'],
  ['crisp', 'cuff', 'meeting'],
  ['airy', 'sleeve', 'garden'],
  ['chunky', 'knit', 'cabin'],
  ['relaxed', 'pocket', 'travel'],
  ['straight', 'crease', 'dinner'],
  ['flowing', 'train', 'wedding'],
  ['quilted', 'panel', 'hike'],
];

const rows: BenchmarkRow[] = COLOURS.map((colour, i) => {
  const [a, b, c] = must(OWN[i], `row ${i}'s own words`);
  const item = must(ITEMS[i], `row ${i}'s item`);
  return {
    index: i,
    title: `${colour} ${item}`,
    attributes: ['wool', 'classic'],
    reference: `A ${colour} ${item} in wool with a ${a} ${b} for ${c} days.`,
    image: null,
  };
});
const copyText = (r: BenchmarkRow) => `The ${r.title}: wool, classic.`;
const writerText = (r: BenchmarkRow) =>
  `A ${must(OWN[r.index], 'own words').join(' ')} piece, easy to pair for long days out.`;

const NO_SCORES: RowScores = { bleu: null, rouge1: null, rouge2: null, rougeL: null, meteor: null };

function result(
  model: string,
  row: BenchmarkRow,
  text: string,
  scores: Partial<RowScores>,
  extra: Partial<RowResult> = {},
): RowResult {
  return {
    model,
    rowIndex: row.index,
    text,
    error: null,
    scores: { ...NO_SCORES, ...scores },
    semantic: null,
    semanticReason: 'EMBEDDINGS_NOT_CONFIGURED',
    clipScore: null,
    clipReferenceDelta: null,
    clipReason: 'CLIP_NOT_CONFIGURED',
    flags: [],
    excluded: false,
    latencyMs: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    ...extra,
  };
}

const provider = (name: string): ModelSpec => ({
  kind: 'provider',
  name,
  provider: name === 'copy' ? 'onnx' : 'openai',
});
const file = (name: string): ModelSpec => ({ kind: 'candidates', name, texts: rows.map(() => '') });

function input(models: ModelSpec[], results: RowResult[], more: Partial<ReportInput> = {}): ReportInput {
  const spec: BenchmarkSpec = {
    rows,
    models,
    testShare: 1,
    seed: 42,
    allRows: true,
    metrics: ['rouge1', 'meteor'],
    promptVersion: 'v3',
    resamples: 1000,
  };
  const testRows = rows.map((r) => r.index);
  return {
    title: 't',
    runId: 'run',
    status: 'COMPLETED',
    spec,
    summary: summarize(spec, testRows, results),
    results,
    generatedAt: '2026-01-01T00:00:00.000Z',
    ...more,
  };
}

/** copy leads ROUGE-1 on every row; writer leads METEOR on every row unless `meteorTie`. */
function scenario(
  options: {
    meteorTie?: boolean;
    copy?: Partial<RowResult>;
    writer?: (i: number) => Partial<RowResult>;
    models?: ModelSpec[];
  } = {},
): RowResult[] {
  return rows.flatMap((r, i) => [
    result('copy', r, copyText(r), { rouge1: 0.6 + i * 0.01, meteor: 0.2 }, options.copy),
    result(
      'writer',
      r,
      writerText(r),
      { rouge1: 0.3, meteor: options.meteorTie ? 0.2 : 0.4 + i * 0.01 },
      options.writer?.(i),
    ),
  ]);
}

test("a ROUGE-1 lead that only restates the metadata is discounted; the model that writes the reference's own words is recommended", () => {
  const report = buildReport(input([provider('copy'), provider('writer')], scenario()));
  const copy = must(
    report.models.find((m) => m.summary.model === 'copy'),
    'the copy model',
  );
  const writer = must(
    report.models.find((m) => m.summary.model === 'writer'),
    'the writer model',
  );
  assert.equal(copy.metadata.matchedFromMetadata.mean, 1);
  assert.equal(copy.metadata.beyondMetadata.mean, 0);
  assert.ok(must(writer.metadata.beyondMetadata.mean, 'the mean beyond metadata') > 0);

  const r = recommend(report);
  assert.equal(r.pick, 'writer');
  const first = must(r.standings[0], 'the first standing');
  const second = must(r.standings[1], 'the second standing');
  assert.equal(first.model, 'writer');
  assert.deepEqual(first.wins, ['METEOR over copy (p < 0.001)']);
  assert.equal(first.points, 1);
  assert.deepEqual(second.discounted, ['ROUGE-1 over writer (p < 0.001)']);
  assert.deepEqual(second.losses, ['METEOR to writer']);
  assert.equal(second.points, -1);
  assert.ok(r.rule.length >= 4 && r.rule.some((s) => s.includes('restating the metadata')), 'the rule is stated');

  const lines = verdict(report);
  const rouge = must(
    lines.find((s) => s.startsWith('ROUGE-1:')),
    'the ROUGE-1 line',
  );
  assert.match(rouge, /copy leads writer/);
  assert.match(rouge, /p < 0\.001/);
  assert.match(rouge, /the lead is discounted/);
  assert.doesNotMatch(
    must(
      lines.find((s) => s.startsWith('METEOR:')),
      'the METEOR line',
    ),
    /discounted/,
  );
  for (const s of [...lines, ...r.why]) assert.doesNotMatch(s, /p = </, s);
});

test("a lead from the product's facts stands against a model that says nothing about the product", () => {
  const bland = rows.map((r, i) =>
    result('writer', r, 'A lovely piece to wear again and again.', { rouge1: 0.1, meteor: 0.1 + i * 0.001 }),
  );
  const copy = rows.map((r, i) => result('copy', r, copyText(r), { rouge1: 0.6 + i * 0.01, meteor: 0.3 }));
  const r = recommend(buildReport(input([provider('copy'), provider('writer')], [...copy, ...bland])));
  assert.equal(r.pick, 'copy');
  const top = must(r.standings[0], 'the first standing');
  assert.deepEqual(top.discounted, []);
  assert.equal(top.points, 2);
});

test('equal quality: the cheaper model wins, said so; with no known cost or latency there is no pick', () => {
  const priced = scenario({
    meteorTie: true,
    copy: { costUsd: 0, latencyMs: 40 },
    writer: () => ({ costUsd: 0.002, latencyMs: 900 }),
  });
  const r = recommend(buildReport(input([provider('copy'), provider('writer')], priced)));
  assert.equal(r.pick, 'copy');
  assert.match(must(r.why[0], 'the first reason'), /ties with writer on quality .* lower cost per description/);

  const none = recommend(buildReport(input([file('copy'), file('writer')], scenario({ meteorTie: true }))));
  assert.equal(none.pick, null);
  assert.match(must(none.why[0], 'the first reason'), /No clear winner: copy and writer tie/);
});

test('responsible-AI flags on more than a quarter of the rows make a model ineligible', () => {
  const flagged = Math.floor(rows.length * RULE.maxFlaggedShare) + 1;
  const flag = { code: 'INCLUSIVE_LANGUAGE', category: 'body-shape', message: 'x' };
  const r = recommend(
    buildReport(
      input(
        [provider('copy'), provider('writer')],
        scenario({ writer: (i) => ({ flags: i < flagged ? [flag] : [] }) }),
      ),
    ),
  );
  assert.equal(r.pick, 'copy');
  assert.match(
    must(r.standings.find((s) => s.model === 'writer')?.ineligible, "writer's ineligibility"),
    new RegExp(`Responsible-AI flags: ${flagged} of ${rows.length} rows flagged`),
  );
  assert.match(must(r.why[0], 'the first reason'), /copy is the only eligible model/);
});

test('a check column from another checker is shown and weighed like the built-in one', () => {
  const flaggedWriter = Math.ceil(rows.length * RULE.flagMargin);
  const factCheck: CheckColumn = {
    id: 'fact-check',
    label: 'Fact errors',
    description: 'Rows stating a fact the product does not have.',
    cells: { copy: { flagged: 0, checked: rows.length }, writer: { flagged: flaggedWriter, checked: rows.length } },
  };
  const report = buildReport(input([provider('copy'), provider('writer')], scenario(), { checks: [factCheck] }));
  assert.deepEqual(
    report.checks.map((c) => c.id),
    ['responsible-ai', 'fact-check'],
  );
  const r = recommend(report);
  const writer = must(
    r.standings.find((s) => s.model === 'writer'),
    "writer's standing",
  );
  assert.equal(writer.points, 0, 'one METEOR win, one point off for the fact errors');
  assert.equal(writer.flagged.length, 1);
  assert.match(
    renderMarkdown(input([provider('copy'), provider('writer')], scenario(), { checks: [factCheck] })),
    new RegExp(`\\| writer \\| 0 of ${rows.length} \\(0%\\) \\| ${flaggedWriter} of ${rows.length} \\(\\d+%\\) \\|`),
  );
});

test('the prompt version is named only for models generated through the gateway', () => {
  const both = buildReport(input([provider('copy'), file('writer')], scenario()));
  assert.match(runLine(both), /prompt v3 \(for copy\)/);
  assert.deepEqual(
    both.models.map((m) => m.provenance.kind),
    ['gateway', 'file'],
  );
  const files = buildReport(input([file('copy'), file('writer')], scenario()));
  assert.doesNotMatch(runLine(files), /prompt/);
  assert.doesNotMatch(renderMarkdown(input([file('copy'), file('writer')], scenario())), /prompt v3/);
});

test('the scatter data has one point per kept row, not one per model; excluded rows are left out', () => {
  const leak = { code: 'REFERENCE_LEAK', category: 'integrity', message: 'x' };
  const results = scenario({
    copy: { latencyMs: 10 },
    writer: (i) => (i === 0 ? { excluded: true, flags: [leak] } : { latencyMs: 20 + i }),
  });
  const report = buildReport(input([provider('copy'), provider('writer')], results));
  assert.equal(report.points.filter((p) => p.model === 'copy').length, rows.length);
  assert.equal(report.points.filter((p) => p.model === 'writer').length, rows.length - 1);
  assert.ok(report.points.every((p) => p.value !== null && p.latencyMs !== null));
});

test('skipped providers are named in the verdict and the Markdown', () => {
  const skipped = [{ provider: 'huggingface', reason: 'not configured: no API key' }];
  const i = input([provider('copy'), provider('writer')], scenario(), { skipped });
  assert.equal(verdict(buildReport(i))[0], 'huggingface was not run: not configured: no API key.');
  assert.match(renderMarkdown(i), /## Skipped providers[\s\S]*\| huggingface \| not configured: no API key \|/);
});

test('the fact check: a model whose texts would be blocked is not recommended over one whose texts pass, whatever its quality points', () => {
  // writer wins METEOR on every row, but two of its texts claim an origin the record does not state (under the ineligibility share).
  const claims = 2;
  assert.ok(claims / rows.length <= RULE.maxFlaggedShare);
  const checked = (row: BenchmarkRow, text: string) => ({ text, factCheck: checkFacts(text, rowRecord(row)) });
  const results = scenario({
    copy: {},
    writer: (i) => {
      const row = must(rows[i], `row ${i}`);
      return checked(row, `${writerText(row)}${i < claims ? ' Made in Italy.' : ''}`);
    },
  }).map((r) =>
    r.model === 'copy'
      ? { ...r, factCheck: checkFacts(must(r.text, 'the text'), rowRecord(must(rows[r.rowIndex], 'its row'))) }
      : r,
  );
  const verdicts = (model: string) => results.filter((r) => r.model === model).map((r) => r.factCheck?.verdict);
  const blocked = (model: string) => verdicts(model).filter((v) => v === 'BLOCK').length;
  assert.equal(blocked('copy'), 0, 'the restating texts pass the check');
  assert.equal(blocked('writer'), claims);

  const report = buildReport(input([provider('copy'), provider('writer')], results));
  const column = must(
    report.checks.find((c) => c.id === 'fact-check'),
    'the fact-check column',
  );
  assert.ok(column.blocking);
  assert.deepEqual(column.cells, {
    copy: { flagged: 0, checked: rows.length },
    writer: { flagged: claims, checked: rows.length },
  });
  const writer = must(
    report.models.find((m) => m.summary.model === 'writer')?.summary.factCheck,
    "writer's fact-check summary",
  );
  assert.equal(writer.block, claims);
  assert.equal(writer.pass + writer.review + writer.block, rows.length);
  assert.deepEqual(
    writer.topCodes.find((c) => c.code === 'ORIGIN_CLAIM'),
    { code: 'ORIGIN_CLAIM', count: claims },
  );
  assert.deepEqual(
    writer.topCodes.map((c) => c.count),
    writer.topCodes.map((c) => c.count).sort((a, b) => b - a),
    'most frequent first',
  );

  const r = recommend(report);
  assert.equal(r.pick, 'copy');
  const first = must(r.standings[0], 'the first standing');
  const second = must(r.standings[1], 'the second standing');
  assert.equal(first.model, 'copy');
  assert.ok(second.points > first.points, 'writer has more quality points');
  assert.match(
    must(second.outranked, 'why writer is outranked'),
    /^Fact check: blocked: 17% of its rows against 0% of copy's$/,
  );
  assert.ok(
    r.rule.some((s) => s.includes('blocking check')),
    'the rule says so',
  );
  assert.ok(r.why.some((s) => /writer cannot be recommended over a model whose texts pass more often/.test(s)));

  const md = renderMarkdown(input([provider('copy'), provider('writer')], results));
  const section = must(md.split('## Fact check')[1], 'the fact check section');
  const table = must(section.split('##')[0], 'the fact check table');
  assert.match(
    table,
    new RegExp(`\\| writer \\| ${rows.length} \\| ${writer.pass} \\| ${writer.review} \\| ${claims} \\| 17% \\|`),
  );
  assert.match(table, /ORIGIN_CLAIM × 2/);
  // One blocked text in twelve is under the margin: writer's quality points decide again.
  const row1 = must(rows[1], 'row 1');
  const one = results.map((r) =>
    r.model === 'writer' && r.rowIndex === 1 ? { ...r, ...checked(row1, writerText(row1)) } : r,
  );
  assert.ok(1 / rows.length < RULE.flagMargin);
  assert.equal(recommend(buildReport(input([provider('copy'), provider('writer')], one))).pick, 'writer');
  // Without the check (runs stored before it), the recommendation is the quality one.
  const unchecked = recommend(buildReport(input([provider('copy'), provider('writer')], scenario())));
  assert.equal(unchecked.pick, 'writer');
});
