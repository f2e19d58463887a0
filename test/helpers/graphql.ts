/** Typed GraphQL over HTTP for the tests: a query as text with the caller's type for its data, or a typed document from codegen. */
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { ProductIdsDocument } from '../generated/graphql.js';
import { must } from './must.js';

export interface GqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; reason?: string; [key: string]: unknown };
}

export interface GqlBody<T> {
  data?: T | null;
  errors?: GqlError[];
  extensions?: Record<string, unknown>;
}

export interface GqlResponse<T> {
  status: number;
  body: GqlBody<T>;
}

export interface Gql {
  /** A document from test/generated/graphql.ts: its data and variables are typed by the schema. */
  <T, V>(document: TypedDocumentNode<T, V>, variables?: V, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  /** A query as text; `T` is what the test expects its data to be (unknown until it says). */
  <T = unknown>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlResponse<T>>;
}

/** POSTs operations as JSON to `${base()}/graphql`; returns the status and the parsed body. */
export function gqlClient(base: () => string): Gql {
  return async (
    operation: string | TypedDocumentNode<unknown, unknown>,
    variables?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const query = typeof operation === 'string' ? operation : print(operation);
    const response = await fetch(`${base()}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GqlBody<unknown> };
  };
}

/** The data of an answer that must have no errors; fails the test with the errors otherwise. */
export function dataOf<T>(response: GqlResponse<T>): T {
  if (response.body.errors?.length || response.body.data == null) {
    throw new Error(
      `expected data without errors, got ${response.status}: ${JSON.stringify(response.body.errors ?? response.body)}`,
    );
  }
  return response.body.data;
}

/** The extensions of the first of `errors` (an answer's, or a socket's); fails the test when there are none. */
export function errorExtensions<E>(errors: ReadonlyArray<{ extensions?: E }> | undefined): NonNullable<E> {
  return must(errors?.[0]?.extensions, "the first error's extensions");
}

/** The ids of the first `n` products, in catalog order. */
export async function productIds(gql: Gql, n: number, headers?: Record<string, string>): Promise<string[]> {
  return dataOf(await gql(ProductIdsDocument, { first: n }, headers)).products.edges.map((e) => e.node.id);
}
