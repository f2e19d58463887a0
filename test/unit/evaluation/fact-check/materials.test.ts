import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, codes, findings, product, spans } from './helpers.js';
import { must } from '../../../helpers/must.js';

const satinDress = product('SS-DRS-005');
const leggings = product('SS-ACT-001');
const cardigan = product('SS-KNT-002');

test('MATERIAL_NOT_IN_RECORD: a material the record lacks, with its span and the record as expected', () => {
  const text = 'Made of 100% mulberry silk, it drapes beautifully.';
  assert.deepEqual(spans(text, satinDress, 'MATERIAL_NOT_IN_RECORD'), [at(text, 'mulberry silk')]);
  const f = must(
    findings(text, satinDress).find((x) => x.code === 'MATERIAL_NOT_IN_RECORD'),
    'the MATERIAL_NOT_IN_RECORD finding',
  );
  assert.equal(f.severity, 'BLOCK');
  assert.equal(f.expected, '100% recycled polyester satin');
  assert.match(f.message, /"mulberry silk" is not among this product's materials \(100% recycled polyester satin\)/);
});

test('a broader name or a synonym of a listed material passes; a narrower or different one does not', () => {
  const sweaterDress = product('SS-DRS-007'); // 70% merino wool, 30% recycled polyamide
  assert.deepEqual(codes('A soft wool dress with a little nylon for shape.', sweaterDress), []);
  const trousers = product('SS-TRS-002'); // 100% wool
  const text = 'Cut from fine merino for the office.';
  assert.deepEqual(spans(text, trousers, 'MATERIAL_NOT_IN_RECORD'), [at(text, 'merino')]);
});

test('materials of other garments and denied materials are not the product’s', () => {
  assert.deepEqual(codes('Pair them with a silk shirt and leather boots.', product('SS-JNS-002')), []);
  assert.deepEqual(codes('Fisherman rib gives it a springy feel without the itch of wool.', product('SS-KNT-004')), []);
});

test('a record without materials makes an unsupported material a REVIEW, not a BLOCK', () => {
  const tee = { title: 'Unique Graphic Design T-Shirt', attributes: ['casual', 'graphic design', 'white', 't-shirt'] };
  const f = findings('Made from the softest cotton.', tee);
  assert.deepEqual(
    f.map((x) => [x.code, x.severity]),
    [['MATERIAL_NOT_IN_RECORD', 'REVIEW']],
  );
  assert.equal(f[0]?.expected, null);
  // A material the title names is on the record.
  assert.deepEqual(
    codes('Made from the softest cotton.', { title: 'Comfortable Cotton Shorts', attributes: ['cotton'] }),
    [],
  );
});

test('COMPOSITION_MISMATCH: a percentage that differs from the record, in "75% nylon" and "nylon 75%" forms', () => {
  const text = 'Knitted from 50% wool, 30% alpaca and polyamide 30%.';
  const f = findings(text, cardigan).filter((x) => x.code === 'COMPOSITION_MISMATCH');
  assert.deepEqual(
    f.map((x) => [text.slice(x.start, x.end), x.start, x.end]),
    [at(text, 'polyamide 30%')],
  );
  assert.equal(f[0]?.expected, '20% polyamide');
  assert.deepEqual(codes('Knitted from 50% wool, 30% alpaca and 20% polyamide.', cardigan), []);
  assert.deepEqual(codes('Knitted from wool 50%, alpaca 30% and polyamide 20%.', cardigan), []);
});

test('COMPOSITION_MISMATCH: a material listed without a percentage is the whole of its part', () => {
  const bag = { title: 'Nylon Tote', materials: ['nylon'] };
  assert.deepEqual(codes('Made of 100% nylon.', bag), []);
  const text = 'Made of 60% nylon.';
  assert.deepEqual(spans(text, bag, 'COMPOSITION_MISMATCH'), [at(text, '60% nylon')]);
  // A whole composition string, as the CSV import keeps it.
  const jumper = { title: 'Alpaca Blend Jumper', materials: ['50% wool, 30% alpaca, 20% nylon'] };
  assert.deepEqual(codes('A blend of 50% wool, 30% alpaca and 20% polyamide.', jumper), []);
});

test('COMPOSITION_TOTAL: percentages of one composition that do not add up to 100', () => {
  const text = 'Knitted from 50% wool, 40% alpaca and 20% polyamide.';
  assert.deepEqual(spans(text, cardigan, 'COMPOSITION_TOTAL'), [at(text, '50% wool, 40% alpaca and 20% polyamide')]);
  // Parts of a record stated one after another are separate compositions.
  const puffer = product('SS-OUT-003');
  assert.deepEqual(
    codes('The shell is 100% recycled nylon and the fill is 90% recycled down, 10% recycled feather.', puffer),
    [],
  );
});

test('COMPOSITION_PARTIAL: part of a blend stated as the whole', () => {
  const text = 'These leggings are made of 22% elastane.';
  assert.deepEqual(spans(text, leggings, 'COMPOSITION_PARTIAL'), [at(text, '22% elastane')]);
  const f = must(
    findings(text, leggings).find((x) => x.code === 'COMPOSITION_PARTIAL'),
    'the COMPOSITION_PARTIAL finding',
  );
  assert.equal(f.expected, '78% recycled polyamide, 22% elastane');
  // The case: the minor fibre stated as the fabric, with no figure.
  const bare = 'Made of spandex, they move with you.';
  assert.deepEqual(spans(bare, leggings, 'COMPOSITION_PARTIAL'), [at(bare, 'spandex')]);
  // A figure given as a detail, not as the whole, is fine; so is the majority fibre.
  assert.deepEqual(codes('Recycled nylon with 22% elastane for stretch.', leggings), []);
  assert.deepEqual(codes('Made of recycled nylon, they move with you.', leggings), []);
});

test('COMPOSITION_MISMATCH: a percentage of something that is no material', () => {
  const text = 'The fabric is 100% camp collar.';
  assert.deepEqual(spans(text, satinDress, 'COMPOSITION_MISMATCH'), [at(text, '100% camp collar')]);
});
