import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations that tests and clients send.
 * `npm run codegen` writes test/generated/graphql.ts; a test fails when the
 * committed file differs from what this config generates.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { ID: 'string' },
      },
    },
  },
};

export default config;
