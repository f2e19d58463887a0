import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { buildGatewaySchema } from '../../../schema/index.js';
import { GENERATION_COST, isIntrospection, operationCost } from '../../../src/limits/cost.js';

const schema = await buildGatewaySchema();
const cost = (query: string, variables: Record<string, unknown> = {}, name?: string) =>
  operationCost(schema, parse(query), name, variables);

test('page size multiplies the selection; scalars are free; generation fields carry GENERATION_COST', () => {
  assert.equal(cost('{ products(first: 100) { edges { node { id title } } } }'), 1 + 100 * 2);
  assert.equal(
    cost('{ products(first: 100) { edges { node { id description { text } } } } }'),
    1 + 100 * (2 + GENERATION_COST),
  );
  assert.equal(cost('query Q($n: Int) { products(first: $n) { edges { node { id } } } }', { n: 7 }), 1 + 7 * 2);
  // The argument's schema default (20) applies when `first` is not given.
  assert.equal(cost('{ products { edges { node { id } } } }'), 1 + 20 * 2);
  assert.equal(cost('{ __typename }'), 0);
});

test('list inputs multiply the generation weight; aliases and fragments count every time they run', () => {
  const mutation =
    'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }';
  assert.equal(
    cost(mutation, { input: [{ productId: '1' }, { productId: '2' }, { productId: '3' }] }),
    3 * GENERATION_COST,
  );
  const once = cost('{ product(id: "1") { description { text } } }');
  assert.equal(
    cost('{ a: product(id: "1") { description { text } } b: product(id: "1") { description { text } } }'),
    2 * once,
  );
  assert.equal(cost('{ ...F ...F } fragment F on Query { product(id: "1") { description { text } } }'), 2 * once);
  assert.equal(cost('{ ... on Query { product(id: "1") { description { text } } } }'), once);
});

test('the up-front charge reads a stored-or-generated description as a read; fields that always generate keep their weight', () => {
  const charge = (query: string, variables: Record<string, unknown> = {}) =>
    operationCost(schema, parse(query), undefined, variables, 'charge');
  const page = '{ products(first: 10) { edges { node { id title description { text } } } } }';
  assert.equal(cost(page), 1 + 10 * (2 + GENERATION_COST), 'the worst case, for MAX_COST');
  assert.equal(charge(page), 1 + 10 * 3, 'what the rate bucket takes');
  const mutation =
    'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }';
  assert.equal(charge(mutation, { input: [{ productId: '1' }, { productId: '2' }] }), 2 * GENERATION_COST);
  assert.equal(charge('subscription S { descriptionStream(productId: "1") { type } }'), GENERATION_COST);
});

test('a fragment cycle does not loop; the named operation is the one priced', () => {
  assert.equal(
    typeof cost('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A product(id: "1") { id } }'),
    'number',
  );
  const doc = '{ products(first: 5) { edges { node { id } } } } query Other { product(id: "1") { id } }';
  assert.equal(
    operationCost(
      schema,
      parse('query A { products(first: 5) { edges { node { id } } } } query B { product(id: "1") { id } }'),
      'B',
      {},
    ),
    1,
  );
  assert.equal(operationCost(schema, parse(doc), 'Missing', {}), 0);
});

test('isIntrospection sees __schema and __type through fragments, not __typename', () => {
  assert.equal(isIntrospection(parse('{ __schema { queryType { name } } }'), undefined), true);
  assert.equal(
    isIntrospection(parse('{ ...F } fragment F on Query { __type(name: "Product") { name } }'), undefined),
    true,
  );
  assert.equal(isIntrospection(parse('{ __typename products(first: 1) { totalCount } }'), undefined), false);
});
