import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberConstraint, numbersOf } from '../../../../../providers/onnx-plugins/stylesprint/numbers.js';
import { readModelFolder } from '../../../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../../../providers/onnx/tokenizer.js';
import { bundledModelDir } from '../../../../../providers/onnx/index.js';
import { bundledOptions, settingsOf } from './plugin-helpers.js';
import { must } from '../../../../helpers/must.js';

const tokenizer = loadTokenizer(readModelFolder(bundledModelDir));
const eos = must(tokenizer.special.eos[0], "the bundled model's EOS id");
const size = eos + 1;
const facts = 'Pull-On Ponte Trousers\n70% viscose, 26% polyamide, 4% elastane';
const id = (text: string): number => {
  const ids = tokenizer.encode(text);
  assert.equal(ids.length, 1, `${JSON.stringify(text)} is one token`);
  return must(ids[0], JSON.stringify(text));
};

function allowedAfter(output: string, own = facts, logits = new Float32Array(size)): (text: string) => boolean {
  new NumberConstraint(tokenizer, own).apply(logits, output);
  return (text) => logits[text === 'EOS' ? eos : id(text)] !== -Infinity;
}

test('numbers are runs of ASCII digits', () => {
  assert.deepEqual(numbersOf('70% viscose, 26% polyamide; 1.5 cm, size 10-12'), ['70', '26', '1', '5', '10', '12']);
  assert.deepEqual(numbersOf('no digits'), []);
});

test("a number may only start as one of the product's numbers starts", () => {
  const ok = allowedAfter(' It is made of 70% viscose,');
  assert.equal(ok(' 6'), false, '"6" starts none of 70, 26, 4');
  assert.equal(ok(' 2'), true, '"2" starts 26');
  assert.equal(ok(' 4'), true);
  assert.equal(ok(' 70'), true);
  assert.equal(ok(' 100'), false);
  assert.equal(ok(' and'), true, 'tokens without digits are left alone');
});

test("inside a number, only digits towards one of the product's may follow; it ends only where it is one", () => {
  const inside = allowedAfter(' made of 70% viscose, 2');
  assert.equal(inside('6'), true);
  assert.equal(inside('5'), false);
  assert.equal(inside('%'), false, '"2" is not a number of the product');
  assert.equal(inside('EOS'), false);
  const whole = allowedAfter(' made of 70% viscose, 26');
  assert.equal(whole('%'), true);
  assert.equal(whole('EOS'), true);
  assert.equal(whole('0'), false, '260 is not one');
});

test('a product without numbers gets none; when the rule would leave nothing, the logits are left alone', () => {
  const none = allowedAfter(' It comes in', 'Linen Shirt\nwhite');
  assert.equal(none(' 2'), false);
  assert.equal(none(' in'), true);
  // Only a banned token is left: nothing is banned, so the row does not stall.
  const logits = new Float32Array(size).fill(-Infinity);
  logits[id(' 6')] = 1;
  new NumberConstraint(tokenizer, facts).apply(logits, ' made of 70% viscose,');
  assert.equal(logits[id(' 6')], 1);
  const stuck = new Float32Array(size).fill(-Infinity);
  stuck[id('%')] = 1;
  new NumberConstraint(tokenizer, facts).apply(stuck, ' made of 2');
  assert.equal(stuck[id('%')], 1);
});

test('plugin options: fact_numbers_only turns the rule on; it is off unless set, and must be a boolean', () => {
  assert.equal(settingsOf({ fact_numbers_only: true }).factNumbersOnly, true);
  assert.equal(settingsOf({}).factNumbersOnly, false);
  assert.throws(() => settingsOf({ fact_numbers_only: 'yes' }), /fact_numbers_only must be true or false/);
  assert.equal(settingsOf(bundledOptions(), bundledModelDir).factNumbersOnly, true, 'the bundled model uses it');
});
