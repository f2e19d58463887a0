import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PromptCopy,
  productCopySource,
  wordPieces,
  type WordPieces,
} from '../../../../../providers/onnx-plugins/stylesprint/prompt-copy.js';
import { readModelFolder } from '../../../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../../../providers/onnx/tokenizer.js';
import { bundledModelDir } from '../../../../../providers/onnx/index.js';
import { settingsOf } from './plugin-helpers.js';
import { fixtureDir } from '../../onnx/onnx-test-helpers.js';
import { must } from '../../../../helpers/must.js';

/** A toy vocabulary: every listed piece is a token, id = its index. */
function toyVocab(list: string[]): WordPieces & { name(id: number): string } {
  return {
    pieceId: (piece) => (list.includes(piece) ? list.indexOf(piece) : undefined),
    continuesWord: (size) =>
      Uint8Array.from({ length: size }, (_, id) => (list[id] && !/^[\s,.]/.test(list[id]) ? 1 : 0)),
    name: (id) => must(list[id], `toy token ${id}`),
  };
}

const vocab = toyVocab(['st', 's', 'str', 'ract', 'r', 'ra', ' Print', ' P', ' Pr', 'ed', ' dress', 'x', ',', ' ']);
const names = (ids: number[]) => ids.map((id) => vocab.name(id)).sort();

test('inside a prompt word, every token that spells a next piece of it is a continuation', () => {
  const copy = new PromptCopy('Abstract Print Shirt', vocab, 10);
  // The output spells the start with other pieces than the prompt's tokens would; the match is on text.
  assert.deepEqual(names(copy.step(' This Ab').ids), ['s', 'st', 'str']);
  assert.equal(copy.step(' This Ab').complete, false);
  assert.deepEqual(names(copy.step(' This Abst').ids), ['r', 'ra', 'ract']);
});

test('the bias never starts a word, and a word that does not start a prompt word gets nothing', () => {
  const copy = new PromptCopy('Abstract Print Shirt', vocab, 10);
  for (const output of ['', ' This', ' This ', ' This Xb', ' stra' /* inside "Abstract", not at its start */]) {
    assert.deepEqual(copy.step(output), { ids: [], complete: false }, JSON.stringify(output));
  }
});

test('a complete prompt word ends the word; where its phrase goes on, the next word (with its space) continues', () => {
  const copy = new PromptCopy('Abstract Print Shirt\nblue', vocab, 10);
  const step = copy.step(' Our Abstract');
  assert.equal(step.complete, true);
  assert.deepEqual(names(step.ids), [' P', ' Pr', ' Print'], 'a lone space is not a piece of the next word');
  // At the end of a fact (a new line follows), nothing continues.
  assert.deepEqual(copy.step(' in blue'), { ids: [], complete: true });
  const logits = new Float32Array(14).fill(1);
  copy.apply(logits, ' in blue');
  // Complete: tokens that would go on with the word lose the bias; tokens that start a word or punctuation keep their logit.
  assert.equal(logits[0], 1 - 10); // 'st'
  assert.equal(logits[6], 1); // ' Print'
  assert.equal(logits[12], 1); // ','
});

test('where the word occurs more than once, the occurrences sharing the longest run with the output decide', () => {
  const copy = new PromptCopy('linen Abrade\nblue Abstract', vocab, 10);
  // "Ab" starts both "Abrade" and "Abstract"; the output's "blue " picks the second.
  assert.deepEqual(names(copy.step(' in blue Ab').ids), ['s', 'st', 'str']);
  // Equal runs (a space before "Ab" in both): both count.
  assert.deepEqual(names(copy.step(' x Ab').ids), ['r', 'ra', 's', 'st', 'str']);
  // Only pieces the vocabulary has.
  assert.deepEqual(names(new PromptCopy('Prints\nPrx', vocab, 10).step(' Pr').ids), ['x']);
});

test('apply adds the bias to the continuations in place and leaves banned tokens banned', () => {
  const copy = new PromptCopy('Abstract', vocab, 5);
  const logits = new Float32Array(14).fill(0);
  logits[2] = -Infinity; // 'str', banned by another rule
  copy.apply(logits, ' Ab');
  assert.deepEqual([...logits], [5, 5, -Infinity, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('productCopySource lists the facts one per line and leaves out the instructions', () => {
  const source = productCopySource({
    id: 'p',
    title: 'Satin Slip Dress',
    attributes: ['bias cut'],
    colors: ['champagne'],
    materials: ['100% silk'],
  });
  assert.equal(source, 'Satin Slip Dress\nbias cut\nchampagne\n100% silk');
  const copy = new PromptCopy(source, vocab, 10);
  assert.deepEqual(copy.step(' the following'), { ids: [], complete: false });
});

test('wordPieces: byte-level and Llama tokenizers map a piece to its in-word token, never to a special token', () => {
  const gpt2 = loadTokenizer(readModelFolder(bundledModelDir));
  const pieces = wordPieces(gpt2);
  assert.equal(wordPieces(gpt2), pieces, 'memoised per tokenizer');
  for (const piece of ['st', 'rac', ' Shirt']) {
    const id = pieces.pieceId(piece);
    assert.ok(id !== undefined, piece);
    assert.equal(gpt2.decode([id]), piece);
  }
  const gpt2Eos = must(gpt2.special.eos[0], "tiny-gpt2's EOS id");
  const mask = pieces.continuesWord(gpt2Eos + 1);
  assert.equal(mask[must(pieces.pieceId('rac'), 'the piece "rac"')], 1);
  assert.equal(mask[must(pieces.pieceId(' Shirt'), 'the piece " Shirt"')], 0);
  assert.equal(mask[gpt2Eos], 0);
  const llama = loadTokenizer(readModelFolder(fixtureDir('tiny-llama')));
  const lp = wordPieces(llama);
  const some = [...'abcdefghijklmnopqrstuvwxyz'].map((c) => lp.pieceId(c)).filter((id) => id !== undefined);
  assert.ok(some.length > 0, 'single letters are in-word pieces');
  for (const id of some) assert.ok(!llama.special.eos.includes(id));
});

test('plugin options: prompt_copy_bias is read, and off by default', () => {
  assert.equal(settingsOf({ prompt_copy_bias: 12 }).promptCopyBias, 12);
  assert.equal(settingsOf({}).promptCopyBias, 0);
  assert.throws(() => settingsOf({ prompt_copy_bias: -1 }), /prompt_copy_bias must be a non-negative number/);
});

test('keepWhole: a short word is carried on into a word of the first line (the title) only', () => {
  const pieces = toyVocab(['fice', 'ganic', 'digo']);
  const keepWhole = (w: string) => w.length <= 3;
  const copy = new PromptCopy('Organic Wool Coat\noffice\nindigo', pieces, 10, keepWhole);
  // "made of" stays "of", "comes in" stays "in": those words start facts, not the title.
  assert.deepEqual(copy.step(' It is made of').ids, []);
  assert.deepEqual(copy.step(' It comes in').ids, []);
  // The title still gets its pieces: "Or" goes on to "Organic".
  assert.deepEqual(
    copy.step(' The Or').ids.map((id) => pieces.name(id)),
    ['ganic'],
  );
  // Without keepWhole the bias carries them on (what it did before).
  const loose = new PromptCopy('Organic Wool Coat\noffice\nindigo', pieces, 10);
  assert.deepEqual(
    loose.step(' It is made of').ids.map((id) => pieces.name(id)),
    ['fice'],
  );
  assert.deepEqual(
    loose.step(' It comes in').ids.map((id) => pieces.name(id)),
    ['digo'],
  );
});
