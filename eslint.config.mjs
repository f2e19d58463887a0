// ESLint for the TypeScript tree (npm run lint). Type-aware through the
// project's own tsconfig.json, so the rules see the types tsc sees.
// eslint-config-prettier comes last: layout belongs to Prettier alone.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      ".node/**",
      // Generated: codegen's typed documents and the built playground.
      "test/generated/**",
      "playground/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection. node:test's test(),
      // it(), describe() and suite() return promises the runner itself
      // tracks, so calling them at top level is safe.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      // Types imported as types, so emitting a module never pulls in a
      // file only for its types (verbatimModuleSyntax checks the same).
      "@typescript-eslint/consistent-type-imports": "error",
      // == coerces; the one comparison worth writing that way, against
      // null for null-or-undefined, stays allowed.
      eqeqeq: ["error", "always", { null: "ignore" }],
      // A leading underscore marks a binding kept on purpose (a parameter a
      // signature needs, a destructured field left out of a rest).
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Plain JavaScript (tools/*.mjs, config files) is not in tsconfig.json.
    files: ["**/*.mjs", "**/*.cjs", "**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
    // The few Node globals these files use (no dependency for a full list).
    languageOptions: {
      globals: { process: "readonly", console: "readonly", module: "writable", require: "readonly", __dirname: "readonly" },
    },
  },
  prettier,
);
