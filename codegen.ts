import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations that tests and clients send.
 * `npm run codegen` writes test/generated/graphql.ts (the test client's
 * operations) and clients/generated/ (the mobile app's and the
 * personalization service's), whose persisted-documents.json is the
 * trusted-documents manifest the gateway loads (TRUSTED_DOCUMENTS_MANIFEST).
 * A test fails when a committed file differs from what this config generates.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  generates: {
    'test/generated/graphql.ts': {
      documents: ['test/operations/**/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { ID: 'string' },
      },
    },
    'clients/generated/': {
      documents: ['clients/mobile/**/*.graphql', 'clients/personalization/**/*.graphql', 'clients/review/**/*.graphql'],
      preset: 'client',
      presetConfig: {
        // { "<sha256 hex>": "<document>" }: the hash is what a client sends as documentId "sha256:<hex>".
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { ID: 'string' },
      },
    },
  },
};

export default config;
