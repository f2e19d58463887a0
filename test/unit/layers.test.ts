/**
 * The layers point one way (.dependency-cruiser.cjs): src/ never imports
 * schema/ (src/index.ts aside, which starts schema/index.ts), providers/
 * imports nothing of ours outside providers/, type-only imports included,
 * and no module imports itself round a cycle. The same rules run over the
 * fixture tree must report each violation planted in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { fixturesDir, repoRoot } from '../helpers/paths.js';

const config = createRequire(import.meta.url)(path.join(repoRoot, '.dependency-cruiser.cjs')) as IConfiguration;
const tsConfigFile = path.join(repoRoot, 'tsconfig.json');

/** Every violation in the three layer folders under `baseDir`, as "rule: from -> to". */
async function violations(baseDir: string): Promise<{ cruised: number; found: string[] }> {
  const { output } = await cruise(
    ['src', 'schema', 'providers'],
    {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden ?? [] },
      baseDir,
      tsConfig: { fileName: tsConfigFile },
    },
    {},
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  const result = output as ICruiseResult;
  return {
    cruised: result.summary.totalCruised,
    found: result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort(),
  };
}

test('the gateway keeps its layers: no import breaks a rule of .dependency-cruiser.cjs', async () => {
  const { cruised, found } = await violations(repoRoot);
  // Every module of the three folders was read (a wrong baseDir finds nothing, and so no violation either).
  assert.ok(cruised > 150, `only ${cruised} modules cruised`);
  assert.deepEqual(found, []);
});

test('the rules report each violation planted in the fixture tree, and none of the allowed imports', async () => {
  const { cruised, found } = await violations(path.join(fixturesDir, 'layers'));
  assert.equal(cruised, 10);
  assert.deepEqual(found, [
    'entry-point-imports-only-the-composition: src/index.ts -> schema/feature/feature.resolver.ts',
    'no-circular: src/ring-a.ts -> src/ring-b.ts',
    'providers-stand-alone: providers/backend.ts -> src/settings.ts',
    'src-not-to-schema: src/core.ts -> schema/feature/feature.type.ts',
  ]);
});
