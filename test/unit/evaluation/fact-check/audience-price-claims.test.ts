import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, codes, findings, product, spans } from './helpers.js';

test('AUDIENCE_MISMATCH: kids’ products sent to the office or a night out', () => {
  const jacket = product('SS-OUT-006');
  const text = 'Throw it over a jumper on cold mornings, or over a dress for a night out.';
  assert.deepEqual(spans(text, jacket, 'AUDIENCE_MISMATCH'), [at(text, 'night out')]);
  assert.equal(findings(text, jacket)[0]?.expected, 'kids');
  const tee = product('SS-TOP-006');
  const work = 'Wear it under a blazer for work, or to the office.';
  assert.deepEqual(spans(work, tee, 'AUDIENCE_MISMATCH'), [at(work, 'for work'), at(work, 'the office')]);
  // The school run is the parent's.
  assert.deepEqual(codes('From the school run to the weekend.', tee), []);
});

test('AUDIENCE_MISMATCH: men’s products for her, women’s for him, adults’ for children', () => {
  const shirt = product('SS-SHT-001');
  const her = 'A shirt she will wear everywhere, a gift for her.';
  assert.deepEqual(spans(her, shirt, 'AUDIENCE_MISMATCH'), [at(her, 'she'), at(her, 'for her')]);
  const cami = product('SS-TOP-003');
  const him = 'A camisole for him.';
  assert.deepEqual(spans(him, cami, 'AUDIENCE_MISMATCH'), [at(him, 'for him')]);
  const jumper = product('SS-KNT-001');
  const kids = 'A merino jumper for kids.';
  assert.deepEqual(spans(kids, jumper, 'AUDIENCE_MISMATCH'), [at(kids, 'for kids')]);
  // Fit names and unisex wording are not audiences.
  assert.deepEqual(codes('Boyfriend jeans, for men and women alike.', product('SS-JNS-004')), []);
});

test('a cue the record itself uses is fine', () => {
  assert.deepEqual(
    codes('Smart enough for the office.', { title: 'Kids Blazer', gender: 'kids', attributes: ['office'] }),
    [],
  );
});

test('PRICE_MISMATCH: a stated price that differs from the record’s; bounds read as bounds', () => {
  const dress = product('SS-DRS-009'); // 109
  const text = 'Yours for £99.';
  assert.deepEqual(spans(text, dress, 'PRICE_MISMATCH'), [at(text, '£99')]);
  assert.equal(findings(text, dress)[0]?.expected, '109');
  assert.deepEqual(codes('Priced at £109, or 109 euros.', dress), []);
  assert.deepEqual(codes('Under £120, from £100.', dress), []);
  assert.deepEqual(
    findings('Only $50.', { title: 'Tote' }).map((f) => [f.code, f.severity]),
    [['PRICE_MISMATCH', 'REVIEW']],
  );
});

test('DISCOUNT_CLAIM: sales, reductions and offers the record cannot support', () => {
  const bag = product('SS-BAG-003');
  const text = 'Now 30% off, down from £95, this week only.';
  assert.deepEqual(spans(text, bag, 'DISCOUNT_CLAIM'), [
    at(text, '30% off'),
    at(text, 'down from'),
    at(text, 'this week only'),
  ]);
  // A former price is the discount claim's, not a second price finding.
  assert.deepEqual(spans(text, bag, 'PRICE_MISMATCH'), []);
});

test('CARE_CLAIM, DURABILITY_CLAIM: care advice and promises of years, unless the record says so', () => {
  const shirt = product('SS-SHT-005');
  const text = 'Wash cool, dry on the line, and it will look good for years to come.';
  assert.deepEqual(spans(text, shirt, 'CARE_CLAIM'), [at(text, 'Wash cool'), at(text, 'dry on the line')]);
  assert.deepEqual(spans(text, shirt, 'DURABILITY_CLAIM'), [at(text, 'for years to come')]);
  assert.deepEqual(codes('Easy to iron, for busy mornings.', product('SS-SHT-009')), []);
  const wrinkle = 'Machine washable and wrinkle-free.';
  assert.deepEqual(spans(wrinkle, shirt, 'CARE_CLAIM'), [at(wrinkle, 'Machine washable'), at(wrinkle, 'wrinkle-free')]);
});

test('ORIGIN_CLAIM and GUARANTEE_CLAIM are BLOCK; a making the record names passes', () => {
  const coat = product('SS-OUT-001');
  const text = 'Made in Italy, with a lifetime guarantee.';
  const f = findings(text, coat);
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, text.slice(x.start, x.end)]),
    [
      ['ORIGIN_CLAIM', 'BLOCK', 'Made in Italy'],
      ['GUARANTEE_CLAIM', 'BLOCK', 'lifetime guarantee'],
    ],
  );
  assert.deepEqual(codes('Hand woven from paper straw.', product('SS-BAG-005')), []);
  assert.deepEqual(codes('Cut from European linen.', product('SS-DRS-001')), []);
  const scottish = 'Scottish cashmere, handmade.';
  assert.deepEqual(spans(scottish, product('SS-KNT-003'), 'ORIGIN_CLAIM'), [
    at(scottish, 'Scottish'),
    at(scottish, 'handmade'),
  ]);
});

test('PERFORMANCE_CLAIM: waterproof, windproof, capacity and resistance claims beyond the record', () => {
  const beltBag = product('SS-BAG-007'); // water resistant
  const text = 'Fully waterproof, with room for a 15-inch laptop.';
  assert.deepEqual(spans(text, beltBag, 'PERFORMANCE_CLAIM'), [
    at(text, 'Fully waterproof'),
    at(text, 'room for a 15-inch laptop'),
  ]);
  assert.deepEqual(codes('Water resistant, it keeps your phone dry.', beltBag), []);
  assert.deepEqual(codes('Waterproof and breathable, it packs down small.', product('SS-OUT-009')), []);
  const chlorine = 'Chlorine resistant for 200 hours.';
  assert.deepEqual(spans(chlorine, product('SS-ACT-006'), 'PERFORMANCE_CLAIM'), [at(chlorine, 'Chlorine resistant')]);
});

test('ENVIRONMENTAL_CLAIM: green and ethical claims, and a qualifier said of the wrong material', () => {
  const sweatshirt = product('SS-TOP-010'); // 80% organic cotton, 20% recycled polyester
  const text = 'Carbon neutral and ethically made, in recycled cotton.';
  assert.deepEqual(spans(text, sweatshirt, 'ENVIRONMENTAL_CLAIM'), [
    at(text, 'Carbon neutral'),
    at(text, 'ethically made'),
    at(text, 'recycled cotton'),
  ]);
  assert.deepEqual(codes('Organic cotton with recycled polyester.', sweatshirt), []);
  assert.deepEqual(codes('Cut from FSC-certified viscose.', product('SS-DRS-003')), []);
  const certified = 'Certified organic cotton.';
  assert.deepEqual(spans(certified, product('SS-TOP-004'), 'ENVIRONMENTAL_CLAIM'), [
    at(certified, 'Certified organic cotton'),
  ]);
});

test('INVENTED_DETAIL: details the record does not have and the garment does not imply', () => {
  const shirt = product('SS-SHT-002'); // camp collar, short sleeves
  const text = 'A camp collar shirt with long sleeves and a chest pocket.';
  assert.deepEqual(spans(text, shirt, 'INVENTED_DETAIL'), [at(text, 'long sleeves'), at(text, 'chest pocket')]);
  // A shirt has a collar, buttons and sleeves; a denied detail is no claim.
  assert.deepEqual(codes('Roll the sleeves, undo the top button and turn up the collar. No pockets.', shirt), []);
  // A fit is checked only against a fit the record names.
  const dress = product('SS-DRS-001'); // relaxed fit
  const slim = 'A slim fit wrap dress.';
  assert.deepEqual(spans(slim, dress, 'INVENTED_DETAIL'), [at(slim, 'slim fit')]);
  assert.deepEqual(codes('A slim fit shirt.', { title: 'Oxford Shirt' }), []);
});
