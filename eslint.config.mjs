// ESLint for the TypeScript tree (npm run lint). Type-aware through the
// project's own tsconfig.json, so the rules see the types tsc sees.
// eslint-config-prettier comes last: layout belongs to Prettier alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.node/**',
      // Generated: codegen's typed documents and the built playground.
      'test/generated/**',
      'clients/generated/**',
      'playground/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection. node:test's test(),
      // it(), describe() and suite() return promises the runner itself
      // tracks, so calling them at top level is safe.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Types imported as types, so emitting a module never pulls in a
      // file only for its types (verbatimModuleSyntax checks the same).
      '@typescript-eslint/consistent-type-imports': 'error',
      // == coerces; the one comparison worth writing that way, against
      // null for null-or-undefined, stays allowed.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A rejection must carry an Error; passing on a reason that arrived
      // typed any or unknown (an AbortSignal's reason, a caught error) keeps
      // what the caller gave rather than wrapping it.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // prom-client calls a gauge's collect() with the gauge as this, so the
      // metrics class reaches itself there through one alias named self.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // Off: an async method without await is how this code keeps a
      // Promise-returning interface over a synchronous backend (SQLite,
      // in-memory stores, health checks): a throw inside it still becomes a
      // rejection, which dropping the async would turn into a synchronous
      // throw at the call site.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a binding kept on purpose (a parameter a
      // signature needs, a destructured field left out of a rest).
      // strictTypeChecked's rules that do not fit this code, each off for
      // its reason. (no-unnecessary-condition and no-non-null-assertion are
      // on: with noUncheckedIndexedAccess an index read is typed as possibly
      // missing, so a guard against it is needed and a ! would hide it.)
      // A one-line arrow that returns a void call (x => set.add(x), an
      // event handler) is how the code writes a callback.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // type-graphql's object and input types are classes used as shapes:
      // resolvers return plain objects of their fields and spread an input
      // into a service's plain input; strings are spread on purpose, to go
      // by code point.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-misused-spread': 'off',
      // The GraphQL enums mirror the storage layer's string unions (tests hold
      // them equal), and the mappers convert between them by assertion.
      '@typescript-eslint/no-unsafe-enum-assignment': 'off',
      // void (await x) discards a result on purpose, where a block would only
      // add lines.
      '@typescript-eslint/no-meaningless-void-operator': 'off',
      // A typed reader of an untyped source (an element by id, a JSON
      // column) names its result type at the call; the rule would turn that
      // into a cast at every call site.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      // Numbers, booleans and nullish values in a message read as intended;
      // the recommended options (objects and arrays refused) are kept.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowAny: true, allowBoolean: true, allowNullish: true, allowNumber: true, allowRegExp: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Tests read parsed documents (YAML manifests, JSON answers, codegen
    // output) field by field and assert on them: a wrong shape fails the
    // assertion, which is the check, so typing each document first would add
    // nothing there. Code outside test/ still may not use any.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (tools/*.mjs, config files) is not in tsconfig.json.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    // The few Node globals these files use (no dependency for a full list).
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
  prettier,
);
