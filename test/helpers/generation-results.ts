/** One item of generateDescriptions, narrowed by its __typename, so a test reads its fields typed. */
import assert from 'node:assert/strict';
import type { GenerateDescriptionsMutation } from '../generated/graphql.js';

export type GenerationItem = GenerateDescriptionsMutation['generateDescriptions'][number];
export type GeneratedDescription = Extract<GenerationItem, { __typename: 'Description' }>;
export type GenerationFailure = Extract<GenerationItem, { __typename: 'GenerationError' }>;

/** The item as a Description; fails the test when it is a GenerationError (or missing). */
export function described(item: GenerationItem | undefined): GeneratedDescription {
  assert.equal(item?.__typename, 'Description', JSON.stringify(item));
  return item;
}

/** The item as a GenerationError; fails the test when it is a Description (or missing). */
export function failed(item: GenerationItem | undefined): GenerationFailure {
  assert.equal(item?.__typename, 'GenerationError', JSON.stringify(item));
  return item;
}
