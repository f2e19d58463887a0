import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { metadataOverlap } from '../../../src/evaluation/benchmark/metadata-overlap.js';
import { parseDatasetCsv } from '../../../src/evaluation/benchmark/dataset.js';
import { chapter4Dir } from '../../helpers/paths.js';
import { must } from '../../helpers/must.js';

const product = {
  title: 'Red Wool Coat',
  attributes: ['pleated', 'warm'],
  reference: 'A warm red coat in soft wool with a tailored collar for winter walks.',
};

test('a text that only restates the metadata: every word restated, every match from the metadata, nothing beyond', () => {
  const o = metadataOverlap(product, 'The red wool coat: pleats, warm.');
  // Content words: red, wool, coat, pleats (stem of "pleated"), warm: all metadata.
  assert.equal(o.restated, 1);
  assert.equal(o.matchedFromMetadata, 1);
  // The reference has words beyond the metadata (soft, tailored, collar, winter, walks); this text shares none.
  assert.equal(o.beyondMetadata, 0);
});

test('a text that describes: its matches beyond the metadata are scored by F1 over the non-metadata words', () => {
  const o = metadataOverlap(product, 'A tailored collar and soft lining for long winter evenings by the red door.');
  // Content words: tailored collar soft lining long winter evenings red door (9); "red" is metadata.
  assert.equal(o.restated, 1 / 9);
  // Matches with the reference: tailored, collar, soft, winter, red → one of five from the metadata.
  assert.equal(o.matchedFromMetadata, 1 / 5);
  // Beyond the metadata: text has 8 words, the reference 5 (soft tailored collar winter walks); 4 match.
  const p = 4 / 8;
  const r = 4 / 5;
  assert.ok(Math.abs(must(o.beyondMetadata, 'the overlap beyond the metadata') - (2 * p * r) / (p + r)) < 1e-12);
});

test('a text of stop words has no restated share, a text with no match no matched share: null, not 0', () => {
  assert.deepEqual(metadataOverlap(product, 'It is for you, and it is here.'), {
    restated: null,
    matchedFromMetadata: null,
    beyondMetadata: 0,
  });
  const none = metadataOverlap(product, 'Bright yellow sneakers.');
  assert.equal(none.restated, 0);
  assert.equal(none.matchedFromMetadata, null);
  const bare = metadataOverlap({ ...product, reference: 'Red wool coat, warm.' }, 'A red coat.');
  assert.equal(
    bare.beyondMetadata,
    null,
    'a reference made only of metadata words leaves nothing to overlap beyond it',
  );
});

test('chapter-4 references measured against themselves: all matches are the text itself, so the shares agree and the F1 beyond the metadata is 1', () => {
  const rows = parseDatasetCsv(readFileSync(path.join(chapter4Dir, 'product_data.csv'), 'utf8'));
  for (const row of rows) {
    const o = metadataOverlap(row, row.reference);
    assert.ok(o.restated !== null && o.restated >= 0 && o.restated <= 1, row.title);
    assert.equal(o.matchedFromMetadata, o.restated, row.title);
    if (o.beyondMetadata !== null) assert.ok(Math.abs(o.beyondMetadata - 1) < 1e-12, row.title);
  }
});
