/**
 * The layers of the gateway, one way only (README, Layout):
 *
 *   schema/     GraphQL surface: types, inputs, thin resolvers, the composition (schema/index.ts)
 *   src/        core: config, routing, storage, evaluation, auth, limits, http; never imports schema/
 *   providers/  model backends behind providers/types.ts; imports nothing of ours outside providers/
 *
 * src/index.ts, the process entry point, is the composition root and the one
 * file of src/ that imports schema/, and then only schema/index.ts.
 * Type-only imports count like any other (tsPreCompilationDeps), and so do
 * dynamic imports. Checked by `npm run lint:deps` and test/unit/layers.test.ts.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'src-not-to-schema',
      comment:
        'src/ is the core under the GraphQL surface: it never imports schema/ (only src/index.ts, the entry point, starts schema/index.ts).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/index\\.ts$' },
      to: { path: '^schema/' },
    },
    {
      name: 'entry-point-imports-only-the-composition',
      comment: 'src/index.ts starts the gateway that schema/index.ts composes, and imports nothing else of schema/.',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^schema/', pathNot: '^schema/index\\.ts$' },
    },
    {
      name: 'providers-stand-alone',
      comment: 'providers/ depends on nothing of ours outside providers/, not even on types.',
      severity: 'error',
      from: { path: '^providers/' },
      to: { path: '^(src|schema)/' },
    },
    {
      name: 'no-circular',
      comment: 'No module reaches itself through its imports (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|schema|providers)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
