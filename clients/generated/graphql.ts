/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** GENERATED: written for this request; CACHED: a stored description; REFERENCE: the human reference, served when no description is published for the slot (or generation failed). */
export type DescriptionSource =
  | 'CACHED'
  | 'GENERATED'
  | 'REFERENCE';

export type GenerateDescriptionInput = {
  /** Sales channel of the slot the text is for (e.g. web, app, marketplace); default "web". */
  channel?: string | null | undefined;
  params?: GenerationParamsInput | null | undefined;
  personalization?: PersonalizationInput | null | undefined;
  /** Routing policy; default "personalization". */
  policy?: string | null | undefined;
  productId: string;
  /** Pin one provider (no failover). */
  provider?: string | null | undefined;
};

export type GenerationParamsInput = {
  /** Most new tokens (1-1024). */
  maxTokens?: number | null | undefined;
  /** Prompt template version (v1, v2, v3, v4). Default v4. */
  promptVersion?: string | null | undefined;
  /** Same seed, same text, where the provider supports it. */
  seed?: number | null | undefined;
  /** Stop strings (at most 4). */
  stop?: Array<string> | null | undefined;
  /** 0-2. */
  temperature?: number | null | undefined;
  /** 0-1. */
  topP?: number | null | undefined;
};

/** Who the description is for. Kept as data: never followed as instructions. */
export type PersonalizationInput = {
  /** Purchase-history keywords (at most 10 used). */
  keywords?: Array<string> | null | undefined;
  /** BCP 47 locale, one of: en, en-GB, en-US, en-IE, en-AU, en-CA, en-NZ, de, de-DE, de-AT, de-CH, fr, fr-FR, fr-BE, fr-CA, fr-CH, es, es-ES, es-MX, it, it-IT, nl, nl-NL, nl-BE (any case). Else BAD_USER_INPUT, reason INVALID_LOCALE (not BCP 47) or UNSUPPORTED_LOCALE. */
  locale?: string | null | undefined;
  /** Shopper segment, e.g. "commuters". */
  segment?: string | null | undefined;
  /** Tone, one of: warm, calm, friendly, playful, bold, elegant, minimal, casual, sporty, luxurious, professional (any case). Else BAD_USER_INPUT, reason INVALID_TONE. */
  tone?: string | null | undefined;
};

export type ProductFilterInput = {
  /** Exact category, case-insensitive. */
  category?: string | null | undefined;
  /** Substring of the title, attributes or reference description. */
  search?: string | null | undefined;
  /** Every tag must be among the attributes. */
  tags?: Array<string> | null | undefined;
};

export type MobileProductPageQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: ProductFilterInput | null | undefined;
}>;


export type MobileProductPageQuery = { products: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, title: string, price: number | null, imageUrl: string | null, description: { text: string } | null } }> } };

export type MobileProductQueryVariables = Exact<{
  id: string;
}>;


export type MobileProductQuery = { product: { id: string, sku: string | null, title: string, price: number | null, imageUrl: string | null, colors: Array<string>, sizes: Array<string>, materials: Array<string>, description: { text: string } | null } | null };

export type PersonalizedDescriptionsMutationVariables = Exact<{
  input: Array<GenerateDescriptionInput> | GenerateDescriptionInput;
}>;


export type PersonalizedDescriptionsMutation = { generateDescriptions: Array<
    | { __typename: 'Description', id: string, productId: string, text: string, provider: string, model: string, source: DescriptionSource, stale: boolean, personalization: { segment: string | null, tone: string | null, locale: string | null, keywords: Array<string> } | null }
    | { __typename: 'GenerationError', productId: string, code: string, reason: string | null, message: string }
  > };

export type PersonalizedProductQueryVariables = Exact<{
  id: string;
  personalization?: PersonalizationInput | null | undefined;
}>;


export type PersonalizedProductQuery = { product: { id: string, title: string, description: { id: string, text: string, source: DescriptionSource, stale: boolean } | null } | null };


export const MobileProductPageDocument = {"__meta__":{"hash":"sha256:e13d478bfe4f486b87e0e55627f09996aff0fa3d36715391d09f07cca4d9b324"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MobileProductPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ProductFilterInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"products"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"imageUrl"}},{"kind":"Field","name":{"kind":"Name","value":"description"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"text"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<MobileProductPageQuery, MobileProductPageQueryVariables>;
export const MobileProductDocument = {"__meta__":{"hash":"sha256:9b42527d8da6a33d940b7966ca68e3850404f4aa0f1006ab68ee5ed05e60954f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MobileProduct"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"product"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sku"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"imageUrl"}},{"kind":"Field","name":{"kind":"Name","value":"colors"}},{"kind":"Field","name":{"kind":"Name","value":"sizes"}},{"kind":"Field","name":{"kind":"Name","value":"materials"}},{"kind":"Field","name":{"kind":"Name","value":"description"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"text"}}]}}]}}]}}]} as unknown as DocumentNode<MobileProductQuery, MobileProductQueryVariables>;
export const PersonalizedDescriptionsDocument = {"__meta__":{"hash":"sha256:e81d3c54d98c24deee7524336311dd45a65707ccf3382485cd989a26a566ffae"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PersonalizedDescriptions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"GenerateDescriptionInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generateDescriptions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Description"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"productId"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"personalization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"tone"}},{"kind":"Field","name":{"kind":"Name","value":"locale"}},{"kind":"Field","name":{"kind":"Name","value":"keywords"}}]}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"GenerationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productId"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<PersonalizedDescriptionsMutation, PersonalizedDescriptionsMutationVariables>;
export const PersonalizedProductDocument = {"__meta__":{"hash":"sha256:44a85be8ec2c2e4fe13c74c78e81aa88204f2d0ed22017d71c39071325266ec8"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PersonalizedProduct"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"personalization"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PersonalizationInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"product"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"description"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"personalization"},"value":{"kind":"Variable","name":{"kind":"Name","value":"personalization"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}}]}}]}}]} as unknown as DocumentNode<PersonalizedProductQuery, PersonalizedProductQueryVariables>;