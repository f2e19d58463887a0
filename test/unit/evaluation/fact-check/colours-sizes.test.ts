import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, codes, findings, product, spans } from './helpers.js';
import { must } from '../../../helpers/must.js';

const cardigan = product('SS-KNT-002'); // cream, oatmeal
const vest = product('SS-KNT-009'); // brown, forest green
const tee = product('SS-TOP-004'); // stone, navy, forest

test('COLOUR_NOT_OFFERED: fashion colour names not offered, with the record’s colours as expected', () => {
  const text = 'A chunky cardigan in ruby red and forest green.';
  assert.deepEqual(spans(text, cardigan, 'COLOUR_NOT_OFFERED'), [at(text, 'ruby red'), at(text, 'forest green')]);
  const f = must(findings(text, cardigan)[0], 'the first finding');
  assert.equal(f.severity, 'BLOCK');
  assert.equal(f.expected, 'cream, oatmeal');
});

test('offered colours pass under their other names, and a plain colour for an offered shade', () => {
  assert.deepEqual(codes('A chunky cardigan in oatmeal or cream.', cardigan), []);
  assert.deepEqual(codes('A textured vest in forest green, a deep green for autumn.', vest), []);
  assert.deepEqual(codes('A heavyweight tee in forest green or navy blue.', tee), []);
  const text = 'A textured vest in midnight blue.';
  assert.deepEqual(spans(text, vest, 'COLOUR_NOT_OFFERED'), [at(text, 'midnight blue')]);
});

test('colours of other garments, idioms and everyday words are not the product’s colours', () => {
  assert.deepEqual(codes('Wear it with white trainers and a black belt to a black-tie event.', vest), []);
  assert.deepEqual(codes('Perfect for the red carpet, or for sand between your toes.', vest), []);
  const text = 'Choose it in sand.';
  assert.deepEqual(spans(text, vest, 'COLOUR_NOT_OFFERED'), [at(text, 'sand')]);
  // An ambiguous name in a list with a colour is a colour.
  const list = 'It comes in black, olive and sand.';
  assert.deepEqual(
    spans(list, vest, 'COLOUR_NOT_OFFERED').map((s) => s[0]),
    ['black', 'olive', 'sand'],
  );
});

test('a record with no colours makes a colour unsupported (REVIEW); a colour in the title is on the record', () => {
  const shorts = { title: 'Comfortable Cotton Shorts', attributes: ['comfortable', 'cotton', 'colorful', 'relaxed'] };
  assert.deepEqual(
    findings('Shorts in teal.', shorts).map((f) => [f.code, f.severity]),
    [['COLOUR_NOT_OFFERED', 'REVIEW']],
  );
  const gown = { title: 'Elegant Red Evening Gown', attributes: ['elegant', 'gown', 'red', 'sleek silhouette'] };
  assert.deepEqual(codes('The rich red hue of this gown.', gown), []);
  assert.deepEqual(
    findings('A navy gown.', gown).map((f) => [f.code, f.severity]),
    [['COLOUR_NOT_OFFERED', 'BLOCK']],
  );
});

test('SIZE_NOT_OFFERED: sizes and range ends beyond the record’s', () => {
  const blouse = product('SS-TOP-002'); // XS–XL
  const text = 'Available from XXS to 3XL.';
  assert.deepEqual(spans(text, blouse, 'SIZE_NOT_OFFERED'), [at(text, 'XXS'), at(text, '3XL')]);
  assert.equal(findings(text, blouse)[0]?.expected, 'XS, S, M, L, XL');
  assert.deepEqual(codes('Available from XS to XL, in sizes S, M and L too.', blouse), []);
  const petite = 'Now in petite and plus sizes.';
  assert.deepEqual(spans(petite, blouse, 'SIZE_NOT_OFFERED'), [at(petite, 'petite'), at(petite, 'plus sizes')]);
  const one = 'One size fits all.';
  assert.deepEqual(spans(one, blouse, 'SIZE_NOT_OFFERED'), [at(one, 'One size fits all')]);
});

test('SIZE_NOT_OFFERED: ages, EU shoe sizes, waist sizes and centimetres', () => {
  const skirt = product('SS-SKT-005'); // 2Y–8Y
  const text = 'For little ones from newborn to age 10.';
  assert.deepEqual(spans(text, skirt, 'SIZE_NOT_OFFERED'), [at(text, 'newborn'), at(text, '10')]);
  const dress = product('SS-DRS-006'); // 2Y–12Y
  const aged = 'For girls aged 2 to 14.';
  assert.deepEqual(spans(aged, dress, 'SIZE_NOT_OFFERED'), [at(aged, '14')]);
  assert.deepEqual(codes('For ages 2 to 12, or 2-12 years.', dress), []);
  const trainers = product('SS-FTW-002'); // EU 36–46
  const eu = 'Sizes EU 35 to EU 46.';
  assert.deepEqual(spans(eu, trainers, 'SIZE_NOT_OFFERED'), [at(eu, 'EU 35')]);
  const chinos = product('SS-TRS-003'); // W28–W38
  const waist = 'In sizes W26 to W38.';
  assert.deepEqual(spans(waist, chinos, 'SIZE_NOT_OFFERED'), [at(waist, 'W26')]);
  const belt = product('SS-ACC-003'); // 85–110 cm
  const cm = 'In sizes 85 to 120 cm.';
  assert.deepEqual(spans(cm, belt, 'SIZE_NOT_OFFERED'), [at(cm, '120 cm')]);
  // Numbers that are no sizes: a 15-inch laptop, 100%, three pockets.
  assert.deepEqual(
    codes('Three pockets and a 100% cotton lining for a 15-inch laptop.', {
      title: 'Tote',
      sizes: ['one size'],
    }).filter((c) => c === 'SIZE_NOT_OFFERED'),
    [],
  );
});
