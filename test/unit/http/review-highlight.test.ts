import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlightPieces } from '../../../src/http/review/highlight.js';
import { explainRefusal } from '../../../src/http/review/words.js';

const TEXT = 'Made of silk, in midnight blue. Made in Italy.';
const span = (word: string) => ({ start: TEXT.indexOf(word), end: TEXT.indexOf(word) + word.length });

test('pieces join back to the text, each finding over exactly its span', () => {
  const findings = [span('silk'), span('midnight blue'), span('Made in Italy')];
  const pieces = highlightPieces(TEXT, findings);
  assert.equal(pieces.map((p) => p.text).join(''), TEXT);
  assert.deepEqual(
    pieces.filter((p) => p.findings.length).map((p) => [p.text, p.findings]),
    [
      ['silk', [0]],
      ['midnight blue', [1]],
      ['Made in Italy', [2]],
    ],
  );
});

test('overlapping spans mark the shared words with both findings; plain text stays one piece', () => {
  const pieces = highlightPieces(TEXT, [span('midnight blue'), span('blue. Made')]);
  assert.deepEqual(
    pieces.map((p) => [p.text, p.findings]),
    [
      ['Made of silk, in ', []],
      ['midnight ', [0]],
      ['blue', [0, 1]],
      ['. Made', [1]],
      [' in Italy.', []],
    ],
  );
});

test('spans outside the text are clipped, empty ones mark nothing, and no findings give the text whole', () => {
  assert.deepEqual(highlightPieces(TEXT, []), [{ text: TEXT, findings: [] }]);
  const pieces = highlightPieces(TEXT, [
    { start: TEXT.length, end: TEXT.length },
    { start: TEXT.length - 6, end: TEXT.length + 40 },
    { start: -5, end: 4 },
  ]);
  assert.equal(pieces.map((p) => p.text).join(''), TEXT);
  assert.deepEqual(
    pieces.filter((p) => p.findings.length).map((p) => [p.text, p.findings]),
    [
      ['Made', [2]],
      ['Italy.', [1]],
    ],
  );
  assert.deepEqual(highlightPieces('', [{ start: 0, end: 3 }]), []);
});

test('refusals are said in words, the reason before the code, the gateway message as the last resort', () => {
  assert.match(explainRefusal({ code: 'BAD_USER_INPUT', reason: 'STALE_VERSION' }), /Someone else changed this text/);
  assert.match(explainRefusal({ code: 'PUBLISH_BLOCKED', reason: 'INCOMPLETE' }), /cut off by the length limit/);
  assert.match(explainRefusal({ code: 'PUBLISH_BLOCKED' }), /cannot be published/);
  assert.match(explainRefusal({ code: 'FORBIDDEN' }), /editor role/);
  assert.equal(explainRefusal({ code: 'SOMETHING_NEW', message: 'the gateway says so' }), 'the gateway says so');
});
