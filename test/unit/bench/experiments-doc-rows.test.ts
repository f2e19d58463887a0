import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replaceRows, sectionBody } from '../../../bench/experiments/doc-rows.js';
import { must } from '../../helpers/must.js';

const doc = [
  '# Experiments',
  '<!-- bench:experiments-server:start -->',
  '## Simulation through the real server (SQLite)',
  '',
  '_Measured 2026-01-01 on a machine._',
  '',
  'Driver: graphql.',
  '',
  '| scenario | found |',
  '|---|---|',
  '| aa-fixed | — |',
  '| ab-thompson | 76.7% |',
  '',
  '- Met (point estimate): aa-fixed: false positives ≤ 5%.',
  '- **Not met** (point estimate): ab-thompson: better variant found in ≥ 80% of runs.',
  '- Met (point estimate): ab-thompson: better variant gets most of the last day traffic.',
  '',
  'Reproduce: `npm run bench:experiments -- --driver graphql` (seed 1; about 35 minutes here).',
  '<!-- bench:experiments-server:end -->',
  'after',
].join('\n');

const rerun = {
  name: 'ab-thompson',
  row: '| ab-thompson | 83.3% |',
  checks: [
    '- Met (point estimate): ab-thompson: better variant found in ≥ 80% of runs.',
    '- Met (point estimate): ab-thompson: better variant gets most of the last day traffic.',
  ],
  reproduce:
    '`npm run bench:experiments -- --driver graphql --runs 60 --scenario ab-thompson` (seed 1; about 40 minutes here).',
};

test('a rerun replaces its row, checks and reproduce line and keeps the other scenarios', () => {
  const body = sectionBody(doc, 'experiments-server') ?? assert.fail('no section');
  assert.ok(body.startsWith('Driver: graphql.'), body);
  const once = replaceRows(body, [rerun]);
  assert.deepEqual(once.split('\n').slice(2), [
    '| scenario | found |',
    '|---|---|',
    '| aa-fixed | — |',
    '| ab-thompson | 83.3% |',
    '',
    '- Met (point estimate): aa-fixed: false positives ≤ 5%.',
    ...rerun.checks,
    '',
    'Reproduce: `npm run bench:experiments -- --driver graphql` (seed 1; about 35 minutes here).',
    '',
    `Reproduce the ab-thompson row: ${rerun.reproduce}`,
  ]);
  // A second rerun replaces the first's lines rather than adding to them.
  const twice = replaceRows(once, [{ ...rerun, row: '| ab-thompson | 81.0% |', reproduce: 'again' }]);
  assert.equal(twice.split('\n').filter((l) => l.startsWith('Reproduce the ab-thompson row: ')).length, 1);
  assert.ok(twice.endsWith('\n\nReproduce the ab-thompson row: again'));
  assert.ok(twice.includes('| ab-thompson | 81.0% |') && !twice.includes('83.3%'));
});

test('a scenario without a row, or a document without the section, is refused', () => {
  assert.equal(sectionBody(doc, 'experiments-server-postgres'), null);
  assert.throws(
    () =>
      replaceRows(must(sectionBody(doc, 'experiments-server'), 'the server section'), [{ ...rerun, name: 'aa-long' }]),
    /no row of aa-long/,
  );
});
