import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { MAX_PAGE_SIZE, findPageSizeError, pageSizeError } from '../../../src/limits/page-size.js';
import { must } from '../../helpers/must.js';

const find = (query: string, variables?: Record<string, unknown>) => findPageSizeError(parse(query), variables);

test('pageSizeError accepts 0..MAX_PAGE_SIZE and names the argument and the range otherwise', () => {
  for (const ok of [0, 1, MAX_PAGE_SIZE]) assert.equal(pageSizeError('first', ok), null, String(ok));
  for (const bad of [-1, MAX_PAGE_SIZE + 1, 10_000, 2.5]) {
    const error = must(pageSizeError('first', bad), `the error for ${bad}`);
    assert.equal(error.extensions.code, 'BAD_USER_INPUT', String(bad));
    assert.equal(error.extensions.reason, 'PAGE_SIZE_OUT_OF_RANGE');
    assert.equal(error.extensions.max, MAX_PAGE_SIZE);
    assert.equal(error.message, `first must be between 0 and ${MAX_PAGE_SIZE}, not ${bad}`);
  }
});

test('literals, variables and variable defaults count alike, anywhere in the document', () => {
  assert.equal(find('{ products(first: 100) { totalCount } }'), null);
  assert.match(find('{ products(first: 101) { totalCount } }')?.message ?? '', /not 101$/);
  assert.match(find('{ products(first: 10000) { totalCount } }')?.message ?? '', /not 10000$/);
  assert.match(
    find('query($n: Int!) { products(first: $n) { totalCount } }', { n: 10_000 })?.message ?? '',
    /not 10000$/,
  );
  assert.equal(find('query($n: Int!) { products(first: $n) { totalCount } }', { n: 5 }), null);
  assert.match(find('query($n: Int = 500) { products(first: $n) { totalCount } }')?.message ?? '', /not 500$/);
  assert.equal(
    find('query($n: Int = 500) { products(first: $n) { totalCount } }', { n: 3 }),
    null,
    'a given value beats the default',
  );
  assert.match(find('{ ...F } fragment F on Query { products(first: -1) { totalCount } }')?.message ?? '', /not -1$/);
  assert.match(
    find('{ a: products(first: 1) { totalCount } b: products(last: 200) { totalCount } }')?.message ?? '',
    /^last must/,
  );
  // Any operation of the document: armor's cost refusal is dropped for it, so none of it may run.
  assert.match(
    find('query A { products(first: 5) { totalCount } } query B { products(first: 500) { totalCount } }')?.message ??
      '',
    /not 500$/,
  );
});

test('values that are not integers are left to GraphQL coercion; other arguments are not page sizes', () => {
  assert.equal(find('query($n: Int) { products(first: $n) { totalCount } }', { n: 'many' }), null);
  assert.equal(find('query($n: Int) { products(first: $n) { totalCount } }', { n: 1.5 }), null);
  assert.equal(find('query($n: Int) { products(first: $n) { totalCount } }'), null);
  assert.equal(find('{ products(first: "five") { totalCount } }'), null);
  assert.equal(find('{ product(id: "1000") { id } }'), null);
});

test('one parsed document is walked once, yet its variables are read on every call', () => {
  const document = parse('query($n: Int = 500) { products(first: $n) { totalCount } }');
  assert.equal(findPageSizeError(document, { n: 3 }), null);
  assert.match(findPageSizeError(document, { n: 101 })?.message ?? '', /not 101$/);
  assert.match(findPageSizeError(document)?.message ?? '', /not 500$/);
  assert.equal(findPageSizeError(document, { n: 100 }), null);
  // Each refusal is its own error: Apollo and the limits plugin add to what they are given.
  assert.notEqual(findPageSizeError(document), findPageSizeError(document));
});
