/** The pure checks on one imported row's values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PRICE, characterCount, forbiddenCharacter, imageUrlProblem, parsePrice, repeatedRows } from '../../../src/catalog/row-checks.js';

describe('parsePrice', () => {
  it('takes decimal amounts with at most two decimals, after an optional currency sign', () => {
    for (const [raw, price] of [['89', 89], ['89.9', 89.9], ['89.90', 89.9], ['$ 12.50', 12.5], ['€0', 0], [String(MAX_PRICE), MAX_PRICE]] as const) {
      assert.deepEqual(parsePrice(raw), { price }, raw);
    }
  });

  it('refuses what Number() would take but a catalog never means', () => {
    for (const raw of ['0x10', '1e308', 'Infinity', '-5', '+5', '1_000', '9.999', '.5', '5.', '1,299.00', ' ', String(MAX_PRICE + 0.01)]) {
      assert.ok('problem' in parsePrice(raw), raw);
    }
    assert.match((parsePrice('2000000') as { problem: string }).problem, /highest accepted price of 1000000/);
  });
});

describe('forbiddenCharacter', () => {
  it('names control and bidi-control characters by code point and position', () => {
    assert.equal(forbiddenCharacter('product_title', 'ab\u0000c', { multiline: false }), 'product_title contains U+0000 (a control character) at character 3');
    assert.match(forbiddenCharacter('sku', 'x\u202Ey', { multiline: true }) ?? '', /U\+202E \(a bidirectional control\) at character 2/);
    for (const c of ['\u001B', '\u007F', '\u0085', '\u2066', '\u2069', '\u202A']) assert.ok(forbiddenCharacter('f', `a${c}`, { multiline: true }), JSON.stringify(c));
  });

  it('lets line breaks through only where the field is free text, tabs anywhere, and leaves letters, emoji and RTL text alone', () => {
    assert.equal(forbiddenCharacter('product_description', 'one\ntwo\r\n\tthree', { multiline: true }), null);
    assert.ok(forbiddenCharacter('product_title', 'one\ntwo', { multiline: false }));
    assert.ok(forbiddenCharacter('product_title', 'one\rtwo', { multiline: false }));
    assert.equal(forbiddenCharacter('product_title', 'Wool \t Coat', { multiline: false }), null);
    assert.equal(forbiddenCharacter('product_title', 'Robe d’été 👗 فستان \u200F', { multiline: false }), null);
  });
});

describe('imageUrlProblem', () => {
  it('accepts http(s) URLs and plain relative paths', () => {
    for (const ok of ['https://cdn.example.com/a/b.jpg?w=200', 'http://img.example.com/x.png', 'data/img/image_1.jpg', '/images/x%20y.jpg']) assert.equal(imageUrlProblem(ok), null, ok);
  });

  it('refuses other schemes, credentials, protocol-relative and parent paths', () => {
    for (const bad of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:image/png;base64,AAAA', 'file:///etc/passwd', 'https://user:pw@example.com/x.jpg', '//evil.example.com/x.jpg', '../../etc/passwd', 'a b.jpg', 'img.jpg"onerror="x']) {
      assert.ok(imageUrlProblem(bad), bad);
    }
  });
});

describe('characterCount', () => {
  it('counts what a reader sees, not UTF-16 units', () => {
    assert.equal(characterCount('👗'.repeat(101)), 101);
    assert.equal(characterCount('e\u0301te\u0301'), 3);
    assert.equal(characterCount('👩‍👩‍👧'), 1);
  });
});

describe('repeatedRows', () => {
  it('keeps the first row of a SKU, or of a title without one, and points the later ones at it', () => {
    const rows = [
      { line: 2, product: { sku: 'A', title: 'One' } },
      { line: 3, product: { sku: 'B', title: 'One' } },
      { line: 4, product: { sku: 'A', title: 'Two' } },
      { line: 5, product: { sku: null, title: 'Plain  Tee' } },
      { line: 6, product: { sku: null, title: 'plain tee' } },
    ];
    assert.deepEqual([...repeatedRows(rows)], [
      [4, 2],
      [6, 5],
    ]);
  });
});
