import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { WordChunker, completeWordsLength, wordGroups } from '../../../src/streaming/word-chunker.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());

function chunker(intervalMs = 50) {
  const sent: Array<{ at: number; chunk: string }> = [];
  const c = new WordChunker({ intervalMs, emit: (chunk) => sent.push({ at: Date.now(), chunk }) });
  return { c, sent, chunks: () => sent.map((s) => s.chunk) };
}

test('completeWordsLength ends at the last whitespace', () => {
  assert.equal(completeWordsLength('Linen midi wr'), 'Linen midi '.length);
  assert.equal(completeWordsLength('Linen '), 6);
  assert.equal(completeWordsLength('Linen'), 0);
  assert.equal(completeWordsLength(''), 0);
  assert.equal(completeWordsLength('a\tb\nc'), 4);
});

test('a burst of sub-word tokens goes out as whole words, at most one chunk per interval', () => {
  const { c, sent, chunks } = chunker();
  for (const t of ['Li', 'nen', ' mi', 'di', ' wr', 'ap', ' dr', 'ess']) c.push(t);
  // The first complete word goes out as soon as it ends; the rest waits for the pace.
  assert.deepEqual(chunks(), ['Linen ']);
  mock.timers.tick(49);
  for (const t of [' in', ' sa', 'ge']) c.push(t);
  assert.equal(sent.length, 1, 'nothing before the interval has passed');
  mock.timers.tick(1);
  assert.deepEqual(chunks(), ['Linen ', 'midi wrap dress in ']);
  c.flush();
  assert.deepEqual(chunks(), ['Linen ', 'midi wrap dress in ', 'sage']);
  assert.deepEqual(
    sent.map((s) => s.at),
    [0, 50, 50],
  );
});

test('an unfinished word goes out after waiting a whole interval, so a slow model still streams', () => {
  const { c, sent, chunks } = chunker();
  c.push('Extra');
  mock.timers.tick(49);
  assert.deepEqual(chunks(), []);
  mock.timers.tick(1);
  assert.deepEqual(chunks(), ['Extra']);
  // A slow model: one token every 200 ms, each ending a word later.
  mock.timers.tick(200);
  c.push('ordinary ');
  assert.deepEqual(chunks(), ['Extra', 'ordinary '], 'a finished word after a pause goes out at once');
  mock.timers.tick(200);
  c.push('coat');
  mock.timers.tick(50);
  assert.deepEqual(chunks(), ['Extra', 'ordinary ', 'coat']);
  assert.deepEqual(
    sent.map((s) => s.at),
    [50, 250, 500],
  );
});

test('chunks always concatenate to the pushed text; close drops what is held and the timer', () => {
  const { c, chunks } = chunker(10);
  const pieces = ['The', ' St', 'ride', ' Run', 'ner', ' is', ' light', '.', ' It', ' goes', ' fast', '.'];
  for (const [i, p] of pieces.entries()) {
    c.push(p);
    mock.timers.tick(i % 3 === 0 ? 7 : 2);
  }
  c.flush();
  assert.equal(chunks().join(''), pieces.join(''));
  assert.ok(chunks().length < pieces.length);

  const other = chunker();
  other.c.push('first ');
  other.c.push('held');
  other.c.close();
  other.c.push('late ');
  mock.timers.tick(1_000);
  assert.deepEqual(other.chunks(), ['first ']);
});

test('wordGroups cuts a stored text into groups of whole words that concatenate to it', () => {
  const text = 'Cut from washed linen, this midi dress ties at the side.';
  const groups = wordGroups(text, 4);
  assert.deepEqual(groups, ['Cut from washed linen, ', 'this midi dress ties ', 'at the side.']);
  assert.equal(groups.join(''), text);
  assert.deepEqual(wordGroups('', 4), []);
  assert.deepEqual(wordGroups('  two  words ', 1), ['  ', 'two  ', 'words ']);
});
