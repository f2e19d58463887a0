import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkFacts,
  factCheckColumn,
  summariseFactChecks,
  verdictOf,
} from '../../../../src/evaluation/checks/facts/index.js';
import type { CheckColumn } from '../../../../src/evaluation/benchmark/report/index.js';
import { at, codes, findings, product, spans } from './helpers.js';
import { must } from '../../../helpers/must.js';

const dress = product('SS-DRS-001');
const jeans = product('SS-JNS-001');

test('TRUNCATED: a text that stops mid-sentence, ends on an article or conjunction, or trails off', () => {
  const text = 'A linen wrap dress. It ties at the side and';
  assert.deepEqual(spans(text, dress, 'TRUNCATED'), [at(text, 'It ties at the side and')]);
  const dots = 'A linen wrap dress that catches the light…';
  assert.deepEqual(spans(dots, dress, 'TRUNCATED'), [at(dots, dots)]);
  const mid = 'The fabric is soft… It ties at the side.';
  assert.deepEqual(spans(mid, dress, 'TRUNCATED'), [at(mid, 'The fabric is soft…')]);
  assert.deepEqual(codes('"A linen wrap dress, made for the evenings when they draw in."', dress), []);
});

test('REPEATED_WORD: a word twice in a row, not a hyphenated pair or "had had"', () => {
  const text = 'This linen midi wrap dress dress ties at the side.';
  assert.deepEqual(spans(text, dress, 'REPEATED_WORD'), [at(text, 'dress dress')]);
  assert.deepEqual(
    codes('It had had its day; a so-so bye-bye.', dress).filter((c) => c === 'REPEATED_WORD'),
    [],
  );
});

test('PRONOUN_NUMBER: "they" for a dress, "it" for jeans', () => {
  const text = 'Made of linen, they come in sage and sand.';
  assert.deepEqual(spans(text, dress, 'PRONOUN_NUMBER'), [at(text, 'they')]);
  assert.equal(findings(text, dress)[0]?.expected, 'Linen Midi Wrap Dress (singular)');
  const it = 'These jeans are cut straight. It has a five-pocket shape.';
  assert.deepEqual(spans(it, jeans, 'PRONOUN_NUMBER'), [at(it, 'It')]);
});

test('pronouns for something else, or for people, agree with what they stand for', () => {
  assert.deepEqual(codes('Little ones will love it, and they can run in it all day.', product('SS-DRS-006')), []);
  assert.deepEqual(
    codes(
      'These jeans come in a dark rinse. It is easy to see why they sell out; their colour is deep, and it lasts.',
      jeans,
    ).filter((c) => c === 'PRONOUN_NUMBER'),
    [],
  );
  assert.deepEqual(codes('Choose it in multicolour stripe.', product('SS-ACC-010')), []);
});

test('WRONG_LANGUAGE: a sentence in another language than the slot’s, by the slot’s locale', () => {
  const trousers = product('SS-TRS-001');
  const text = 'Wide-leg linen trousers for summer. Portez-les avec des sandales et un chapeau.';
  assert.deepEqual(spans(text, trousers, 'WRONG_LANGUAGE'), [at(text, 'Portez-les avec des sandales et un chapeau.')]);
  const f = must(
    findings(text, trousers).find((x) => x.code === 'WRONG_LANGUAGE'),
    'the WRONG_LANGUAGE finding',
  );
  assert.equal(f.expected, 'en');
  assert.match(f.message, /French, not English/);
  const french = 'Un pantalon large en lin, à porter avec des sandales.';
  assert.deepEqual(codes(french, trousers, { locale: 'fr-FR' }), []);
  assert.deepEqual(
    spans('A pair of linen trousers for the summer.', trousers, 'WRONG_LANGUAGE', { locale: 'fr' }).length,
    1,
  );
  // A language the vocabulary does not list is not checked.
  assert.deepEqual(codes(french, trousers, { locale: 'ja' }), []);
});

test('styling and mood language claims nothing checkable', () => {
  const lines = [
    'It catches the light as you move, and it is a piece you will reach for often.',
    'Pair it with heels for dinner, or with trainers and a denim jacket at the weekend.',
    'Wear it on warm days with sandals and a sun hat.',
    'An easy choice for every day of the week, from a market morning to a long lunch.',
    'Dress it up with gold jewellery, or keep it simple with a white tee underneath.',
  ];
  for (const text of lines) assert.deepEqual(codes(text, dress), [], text);
  assert.deepEqual(codes('Wear them with a silk shirt and loafers, or a grey jumper and white trainers.', jeans), []);
});

test('the verdict: BLOCK when any finding blocks, REVIEW when any other, else PASS', () => {
  assert.equal(checkFacts('A linen wrap dress in sage.', dress).verdict, 'PASS');
  assert.equal(checkFacts('A linen wrap dress in sage. Wash cool.', dress).verdict, 'REVIEW');
  assert.equal(checkFacts('A silk wrap dress in sage. Wash cool.', dress).verdict, 'BLOCK');
  assert.equal(verdictOf([]), 'PASS');
  // Findings come in text order.
  const f = checkFacts('Wash cool. A silk dress in ruby red.', dress).findings;
  assert.deepEqual(
    f.map((x) => x.code),
    ['CARE_CLAIM', 'MATERIAL_NOT_IN_RECORD', 'COLOUR_NOT_OFFERED'],
  );
  assert.deepEqual(
    checkFacts('Wash cool. A silk dress in ruby red.', dress),
    checkFacts('Wash cool. A silk dress in ruby red.', { ...dress }),
  );
});

test('summariseFactChecks counts verdicts and findings per model, every code listed', () => {
  const rows = [
    { model: 'a', result: checkFacts('A linen dress in sage.', dress) },
    { model: 'b', result: checkFacts('A silk dress. Wash cool, dry flat.', dress) },
    { model: 'a', result: checkFacts('Wash cool.', dress) },
  ];
  const [a, b] = summariseFactChecks(rows);
  assert.ok(a && b, 'a summary per model');
  assert.deepEqual([a.model, a.texts, a.pass, a.review, a.block], ['a', 2, 1, 1, 0]);
  assert.deepEqual(
    [b.model, b.texts, b.block, b.findings.CARE_CLAIM, b.textsWith.CARE_CLAIM, b.findings.MATERIAL_NOT_IN_RECORD],
    ['b', 1, 1, 2, 1, 1],
  );
  assert.equal(a.findings.WRONG_LANGUAGE, 0);
  // The benchmark report's Checks table takes the blocked share as a column.
  const column: CheckColumn = factCheckColumn([a, b]);
  assert.deepEqual(column.cells, { a: { flagged: 0, checked: 2 }, b: { flagged: 1, checked: 1 } });
});
