import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffTokens, wordDiff, type DiffSegment } from '../../../src/publication/word-diff.js';

const side = (segments: DiffSegment[], drop: 'INSERT' | 'DELETE') =>
  segments
    .filter((s) => s.op !== drop)
    .map((s) => s.text)
    .join('');

test('a word replaced, added and removed, with the space between changes folded into them', () => {
  assert.deepEqual(wordDiff('A light linen dress for summer.', 'A light cotton dress for warm summer days.'), [
    { op: 'EQUAL', text: 'A light ' },
    { op: 'DELETE', text: 'linen' },
    { op: 'INSERT', text: 'cotton' },
    { op: 'EQUAL', text: ' dress for ' },
    { op: 'INSERT', text: 'warm ' },
    { op: 'EQUAL', text: 'summer' },
    { op: 'INSERT', text: ' days' },
    { op: 'EQUAL', text: '.' },
  ]);
  assert.deepEqual(wordDiff('made of silk and wool', 'made of cotton or linen'), [
    { op: 'EQUAL', text: 'made of ' },
    { op: 'DELETE', text: 'silk and wool' },
    { op: 'INSERT', text: 'cotton or linen' },
  ]);
});

test('edge cases: equal texts, empty texts, punctuation and contractions as their own tokens', () => {
  assert.deepEqual(wordDiff('same text', 'same text'), [{ op: 'EQUAL', text: 'same text' }]);
  assert.deepEqual(wordDiff('', ''), []);
  assert.deepEqual(wordDiff('', 'new'), [{ op: 'INSERT', text: 'new' }]);
  assert.deepEqual(wordDiff('old', ''), [{ op: 'DELETE', text: 'old' }]);
  assert.deepEqual(diffTokens("It's a 100% cotton T-shirt."), [
    "It's",
    ' ',
    'a',
    ' ',
    '100',
    '%',
    ' ',
    'cotton',
    ' ',
    'T-shirt',
    '.',
  ]);
});

test('on random edits both texts are given back exactly, and the script is no longer than replacing everything', () => {
  // A fixed LCG: the same cases on every run.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const words = ['linen', 'dress', 'wrap', 'midi', 'summer', ',', '.', 'for', 'the', 'soft', 'blue', "it's"];
  const sentence = (n: number) =>
    Array.from({ length: n }, () => words[Math.floor(next() * words.length)]).join(next() < 0.5 ? ' ' : '  ');
  for (let i = 0; i < 300; i++) {
    const before = sentence(Math.floor(next() * 30));
    const tokens = diffTokens(before);
    const after = tokens
      .flatMap((t) => (next() < 0.15 ? [] : next() < 0.15 ? [t, ' ', words[Math.floor(next() * words.length)]] : [t]))
      .join('');
    const segments = wordDiff(before, after);
    assert.equal(side(segments, 'INSERT'), before, `before, case ${i}`);
    assert.equal(side(segments, 'DELETE'), after, `after, case ${i}`);
    let previous: string | undefined;
    for (const s of segments) {
      assert.notEqual(s.op, previous, `runs are merged, case ${i}`);
      previous = s.op;
    }
    const changed = segments.filter((s) => s.op !== 'EQUAL').reduce((n, s) => n + diffTokens(s.text).length, 0);
    assert.ok(changed <= tokens.length + diffTokens(after).length);
  }
});

test('past the edit bound, a rewrite is one deletion and one insertion', () => {
  assert.deepEqual(wordDiff('a b c d', 'w x y z', 2), [
    { op: 'DELETE', text: 'a b c d' },
    { op: 'INSERT', text: 'w x y z' },
  ]);
});
