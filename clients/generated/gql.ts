/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query MobileProductPage($first: Int!, $after: String, $filter: ProductFilterInput) {\n  products(first: $first, after: $after, filter: $filter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        title\n        price\n        imageUrl\n        description {\n          text\n        }\n      }\n    }\n  }\n}\n\nquery MobileProduct($id: ID!) {\n  product(id: $id) {\n    id\n    sku\n    title\n    price\n    imageUrl\n    colors\n    sizes\n    materials\n    description {\n      text\n    }\n  }\n}": typeof types.MobileProductPageDocument,
    "mutation PersonalizedDescriptions($input: [GenerateDescriptionInput!]!) {\n  generateDescriptions(input: $input) {\n    __typename\n    ... on Description {\n      id\n      productId\n      text\n      provider\n      model\n      personalization {\n        segment\n        tone\n        locale\n        keywords\n      }\n      source\n      stale\n    }\n    ... on GenerationError {\n      productId\n      code\n      reason\n      message\n    }\n  }\n}\n\nquery PersonalizedProduct($id: ID!, $personalization: PersonalizationInput) {\n  product(id: $id) {\n    id\n    title\n    description(personalization: $personalization) {\n      id\n      text\n      source\n      stale\n    }\n  }\n}": typeof types.PersonalizedDescriptionsDocument,
};
const documents: Documents = {
    "query MobileProductPage($first: Int!, $after: String, $filter: ProductFilterInput) {\n  products(first: $first, after: $after, filter: $filter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        title\n        price\n        imageUrl\n        description {\n          text\n        }\n      }\n    }\n  }\n}\n\nquery MobileProduct($id: ID!) {\n  product(id: $id) {\n    id\n    sku\n    title\n    price\n    imageUrl\n    colors\n    sizes\n    materials\n    description {\n      text\n    }\n  }\n}": types.MobileProductPageDocument,
    "mutation PersonalizedDescriptions($input: [GenerateDescriptionInput!]!) {\n  generateDescriptions(input: $input) {\n    __typename\n    ... on Description {\n      id\n      productId\n      text\n      provider\n      model\n      personalization {\n        segment\n        tone\n        locale\n        keywords\n      }\n      source\n      stale\n    }\n    ... on GenerationError {\n      productId\n      code\n      reason\n      message\n    }\n  }\n}\n\nquery PersonalizedProduct($id: ID!, $personalization: PersonalizationInput) {\n  product(id: $id) {\n    id\n    title\n    description(personalization: $personalization) {\n      id\n      text\n      source\n      stale\n    }\n  }\n}": types.PersonalizedDescriptionsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MobileProductPage($first: Int!, $after: String, $filter: ProductFilterInput) {\n  products(first: $first, after: $after, filter: $filter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        title\n        price\n        imageUrl\n        description {\n          text\n        }\n      }\n    }\n  }\n}\n\nquery MobileProduct($id: ID!) {\n  product(id: $id) {\n    id\n    sku\n    title\n    price\n    imageUrl\n    colors\n    sizes\n    materials\n    description {\n      text\n    }\n  }\n}"): (typeof documents)["query MobileProductPage($first: Int!, $after: String, $filter: ProductFilterInput) {\n  products(first: $first, after: $after, filter: $filter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        title\n        price\n        imageUrl\n        description {\n          text\n        }\n      }\n    }\n  }\n}\n\nquery MobileProduct($id: ID!) {\n  product(id: $id) {\n    id\n    sku\n    title\n    price\n    imageUrl\n    colors\n    sizes\n    materials\n    description {\n      text\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PersonalizedDescriptions($input: [GenerateDescriptionInput!]!) {\n  generateDescriptions(input: $input) {\n    __typename\n    ... on Description {\n      id\n      productId\n      text\n      provider\n      model\n      personalization {\n        segment\n        tone\n        locale\n        keywords\n      }\n      source\n      stale\n    }\n    ... on GenerationError {\n      productId\n      code\n      reason\n      message\n    }\n  }\n}\n\nquery PersonalizedProduct($id: ID!, $personalization: PersonalizationInput) {\n  product(id: $id) {\n    id\n    title\n    description(personalization: $personalization) {\n      id\n      text\n      source\n      stale\n    }\n  }\n}"): (typeof documents)["mutation PersonalizedDescriptions($input: [GenerateDescriptionInput!]!) {\n  generateDescriptions(input: $input) {\n    __typename\n    ... on Description {\n      id\n      productId\n      text\n      provider\n      model\n      personalization {\n        segment\n        tone\n        locale\n        keywords\n      }\n      source\n      stale\n    }\n    ... on GenerationError {\n      productId\n      code\n      reason\n      message\n    }\n  }\n}\n\nquery PersonalizedProduct($id: ID!, $personalization: PersonalizationInput) {\n  product(id: $id) {\n    id\n    title\n    description(personalization: $personalization) {\n      id\n      text\n      source\n      stale\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;