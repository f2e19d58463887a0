import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectDelimiter, parseProductCsv } from '../../../src/catalog/csv-import.js';
import { splitList, splitMaterials } from '../../../src/catalog/list-cells.js';
import { must } from '../../helpers/must.js';

const LIMITS = { maxBytes: 1 << 20, maxRows: 100 };
const COLUMNS = ['product_image', 'product_description', 'product_title', 'product_metadata', 'materials'];

test('splitList separates at , ; and |', () => {
  assert.deepEqual(splitList(' summer, floral print;casual |trendy ,, '), ['summer', 'floral print', 'casual', 'trendy']);
  assert.deepEqual(splitList(undefined), []);
});

test('a material composition stays one item, each percentage with its fibre', () => {
  assert.deepEqual(splitMaterials('50% wool, 30% alpaca, 20% nylon'), ['50% wool, 30% alpaca, 20% nylon']);
  assert.deepEqual(splitMaterials('88% recycled polyester, 12% elastane, cotton lining'), ['88% recycled polyester, 12% elastane', 'cotton lining']);
  // A composition is whole at 100%: the next share starts another one.
  assert.deepEqual(splitMaterials('60% cotton, 40% polyester, 100% leather trim'), ['60% cotton, 40% polyester', '100% leather trim']);
  assert.deepEqual(splitMaterials('33.3% silk, 33.3% wool, 33.4 % cashmere, horn buttons'), ['33.3% silk, 33.3% wool, 33.4 % cashmere', 'horn buttons']);
  // Short of 100 it still stays together; ; and | always separate.
  assert.deepEqual(splitMaterials('50% wool, 30% alpaca'), ['50% wool, 30% alpaca']);
  assert.deepEqual(splitMaterials('70% wool; 30% alpaca | rubber sole'), ['70% wool', '30% alpaca', 'rubber sole']);
  // Plain materials are items of their own, as in any list cell.
  assert.deepEqual(splitMaterials('leather, cotton lining, 20% silk, 80% viscose'), ['leather', 'cotton lining', '20% silk, 80% viscose']);
  assert.deepEqual(splitMaterials(''), []);
});

test('the delimiter is read from the header line: , ; tab and |', () => {
  for (const delimiter of [',', ';', '\t', '|']) {
    const csv = `${COLUMNS.join(delimiter)}\nimg.jpg${delimiter}"A coat; warm, soft."${delimiter}"Wool ${delimiter} Coat"${delimiter}"warm, wool"${delimiter}"50% wool, 50% alpaca"\n`;
    assert.equal(detectDelimiter(csv).delimiter, delimiter);
    const parsed = parseProductCsv(csv, LIMITS);
    assert.equal(parsed.delimiter, delimiter);
    assert.equal(parsed.rows.length, 1);
    const row = must(parsed.rows[0], 'the parsed row');
    assert.ok(row.ok, JSON.stringify(row));
    assert.equal(row.product.referenceDescription, 'A coat; warm, soft.');
    assert.equal(row.product.title, `Wool ${delimiter} Coat`, 'the delimiter inside quotes is text');
    assert.deepEqual(row.product.attributes, ['warm', 'wool']);
    assert.deepEqual(row.product.materials, ['50% wool, 50% alpaca']);
  }
});

test('a header no delimiter makes sense of is reported with what was read', () => {
  const error = (() => {
    try {
      parseProductCsv('product_image:product_description:product_title:product_metadata\na:b:c:d\n', LIMITS);
    } catch (e) {
      return e as { extensions: Record<string, unknown>; message: string };
    }
    return null;
  })();
  assert.ok(error, 'the header is refused');
  assert.equal(error.extensions.reason, 'CSV_MISSING_COLUMNS');
  assert.equal(error.extensions.delimiter, ',');
  assert.deepEqual(error.extensions.found, ['product_image:product_description:product_title:product_metadata']);
  assert.match(error.message, /split at ",", has "product_image:product_description:product_title:product_metadata" \(columns may be delimited by , ; tab or \|\)$/);
});
