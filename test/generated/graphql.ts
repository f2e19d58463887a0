/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
};

export type ImportResult = {
  __typename?: 'ImportResult';
  created: Scalars['Int']['output'];
  failed: Scalars['Int']['output'];
  rows: Array<ImportRowResult>;
  unchanged: Scalars['Int']['output'];
  updated: Scalars['Int']['output'];
};

/** The outcome of one CSV row. */
export type ImportRowResult = {
  __typename?: 'ImportRowResult';
  error: Maybe<Scalars['String']['output']>;
  /** Stable code of the row error. */
  errorCode: Maybe<Scalars['String']['output']>;
  /** 1-based line number in the CSV (the header is line 1). */
  line: Scalars['Int']['output'];
  productId: Maybe<Scalars['ID']['output']>;
  sku: Maybe<Scalars['String']['output']>;
  status: ImportRowStatus;
  title: Maybe<Scalars['String']['output']>;
};

export type ImportRowStatus =
  | 'CREATED'
  | 'ERROR'
  | 'UNCHANGED'
  | 'UPDATED';

export type Mutation = {
  __typename?: 'Mutation';
  /** Imports products from CSV (product_image, product_description, product_title, product_metadata, and optional sku, category, price, colors, sizes, materials, gender). Idempotent by SKU, or by title when there is no SKU. */
  importProducts: ImportResult;
};


export type MutationImportProductsArgs = {
  csv: Scalars['String']['input'];
};

/** Relay-style page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor: Maybe<Scalars['String']['output']>;
};

/** A product of the catalog. */
export type Product = {
  __typename?: 'Product';
  /** Attributes from the product metadata. */
  attributes: Array<Scalars['String']['output']>;
  category: Maybe<Scalars['String']['output']>;
  colors: Array<Scalars['String']['output']>;
  createdAt: Scalars['String']['output'];
  /** women, men, unisex or kids, when known. */
  gender: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  imageUrl: Maybe<Scalars['String']['output']>;
  materials: Array<Scalars['String']['output']>;
  price: Maybe<Scalars['Float']['output']>;
  /** The human-written reference description, used for evaluation. */
  referenceDescription: Maybe<Scalars['String']['output']>;
  sizes: Array<Scalars['String']['output']>;
  /** Stock-keeping unit; imports are idempotent by it. */
  sku: Maybe<Scalars['String']['output']>;
  title: Scalars['String']['output'];
};

export type ProductConnection = {
  __typename?: 'ProductConnection';
  edges: Array<ProductEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ProductEdge = {
  __typename?: 'ProductEdge';
  cursor: Scalars['String']['output'];
  node: Product;
};

export type ProductFilterInput = {
  /** Exact category, case-insensitive. */
  category?: InputMaybe<Scalars['String']['input']>;
  /** Substring of the title, attributes or reference description. */
  search?: InputMaybe<Scalars['String']['input']>;
  /** Every tag must be among the attributes. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type Query = {
  __typename?: 'Query';
  product: Maybe<Product>;
  productBySku: Maybe<Product>;
  /** Products in catalog order, as a Relay connection. */
  products: ProductConnection;
};


export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};


export type QueryProductBySkuArgs = {
  sku: Scalars['String']['input'];
};


export type QueryProductsArgs = {
  after: InputMaybe<Scalars['String']['input']>;
  filter: InputMaybe<ProductFilterInput>;
  first?: Scalars['Int']['input'];
};

export type ImportRowStatus =
  | 'CREATED'
  | 'ERROR'
  | 'UNCHANGED'
  | 'UPDATED';

export type ProductFilterInput = {
  /** Exact category, case-insensitive. */
  category?: string | null | undefined;
  /** Substring of the title, attributes or reference description. */
  search?: string | null | undefined;
  /** Every tag must be among the attributes. */
  tags?: Array<string> | null | undefined;
};

export type ProductPageQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: ProductFilterInput | null | undefined;
}>;


export type ProductPageQuery = { products: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, sku: string | null, title: string, category: string | null, attributes: Array<string>, price: number | null } }> } };

export type ProductBySkuQueryVariables = Exact<{
  sku: string;
}>;


export type ProductBySkuQuery = { productBySku: { id: string, sku: string | null, title: string, referenceDescription: string | null } | null };

export type ImportProductsMutationVariables = Exact<{
  csv: string;
}>;


export type ImportProductsMutation = { importProducts: { created: number, updated: number, unchanged: number, failed: number, rows: Array<{ line: number, status: ImportRowStatus, productId: string | null, errorCode: string | null, error: string | null }> } };


export const ProductPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProductPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ProductFilterInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"products"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sku"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"attributes"}},{"kind":"Field","name":{"kind":"Name","value":"price"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ProductPageQuery, ProductPageQueryVariables>;
export const ProductBySkuDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProductBySku"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sku"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productBySku"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"sku"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sku"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sku"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"referenceDescription"}}]}}]}}]} as unknown as DocumentNode<ProductBySkuQuery, ProductBySkuQueryVariables>;
export const ImportProductsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ImportProducts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"csv"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"importProducts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"csv"},"value":{"kind":"Variable","name":{"kind":"Name","value":"csv"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"updated"}},{"kind":"Field","name":{"kind":"Name","value":"unchanged"}},{"kind":"Field","name":{"kind":"Name","value":"failed"}},{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"line"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"productId"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]}}]} as unknown as DocumentNode<ImportProductsMutation, ImportProductsMutationVariables>;