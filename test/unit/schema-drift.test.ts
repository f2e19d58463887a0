import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { printGatewaySchema } from '../../schema/index.js';
import { repoRoot } from '../helpers/paths.js';

test('schema/schema.graphql matches the schema the code builds (run `npm run schema`)', async () => {
  const committed = readFileSync(path.join(repoRoot, 'schema', 'schema.graphql'), 'utf8');
  assert.equal(
    committed,
    await printGatewaySchema(),
    'schema/schema.graphql is stale: run `npm run schema` and commit it',
  );
});

test('test/generated/graphql.ts matches codegen output (run `npm run codegen`)', async () => {
  const cwd = process.cwd();
  process.chdir(repoRoot);
  try {
    const { default: config } = await import(path.join(repoRoot, 'dist', 'codegen.js'));
    const outputs = await generate({ ...config, silent: true }, false);
    assert.ok(outputs.length > 0);
    for (const output of outputs) {
      const committed = readFileSync(path.join(repoRoot, output.filename), 'utf8');
      assert.equal(committed, output.content, `${output.filename} is stale: run \`npm run codegen\` and commit it`);
    }
  } finally {
    process.chdir(cwd);
  }
});
