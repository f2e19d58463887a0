import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths.js';

// actionlint is in neither the npm registry nor Debian here, so the workflow is checked by parsing it.
const workflow = parse(readFileSync(path.join(repoRoot, '.github', 'workflows', 'ci-cd.yml'), 'utf8')) as any;

test('the workflow builds and tests on every push and pull request', () => {
  assert.deepEqual(Object.keys(workflow.on).sort(), ['pull_request', 'push']);
  const steps = workflow.jobs.test.steps as Array<{ run?: string; uses?: string; with?: any }>;
  assert.ok(steps.some((s) => s.uses?.startsWith('actions/checkout@')));
  assert.equal(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with['node-version'], 24);
  const runs = steps.map((s) => s.run ?? '').join('\n');
  assert.match(runs, /npm ci/);
  assert.match(runs, /npm test/);
  assert.match(runs, /git diff --exit-code schema\/schema.graphql/);
});

test('the image job runs only on main, after the tests, with secrets from the repository', () => {
  const image = workflow.jobs.image;
  assert.equal(image.needs, 'test');
  assert.match(image.if, /refs\/heads\/main/);
  assert.deepEqual(image.strategy.matrix.target, ['cpu', 'gpu']);
  const text = JSON.stringify(image.steps);
  assert.match(text, /secrets\./);
  assert.match(text, /docker\/build-push-action/);
  const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  for (const target of image.strategy.matrix.target) assert.match(dockerfile, new RegExp(`^FROM .+ AS ${target}$`, 'm'));
});

test('every job step is a mapping with either uses or run', () => {
  for (const [name, job] of Object.entries<any>(workflow.jobs)) {
    assert.ok(job['runs-on'], `${name} has runs-on`);
    for (const step of job.steps) assert.ok(Boolean(step.uses) !== Boolean(step.run), `${name}: ${JSON.stringify(step)}`);
  }
});
