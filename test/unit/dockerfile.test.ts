/**
 * The Dockerfile, read by the tools made for it: dockerfile-ast parses it
 * (the parser of the VS Code Docker extension) and dockerfile-utils lints it
 * (hadolint, a Haskell binary, is neither in Debian nor installable from the
 * npm registry without a download). The assertions are on the parsed stages,
 * and the health check's command is run against a server that answers
 * /readyz.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import type { Copy, Env, From, Healthcheck, JSONInstruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { repoRoot } from '../helpers/paths.js';
import { ENV_NAMES } from '../../src/config.js';
import { must } from '../helpers/must.js';

const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
/** The Node flags `npm start` runs the gateway with: what `node tools/with-node.mjs` passes before the script. */
const startFlags = (
  JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((w) => w.startsWith('--'));
const dockerfile = DockerfileParser.parse(text);

interface Stage {
  from: From;
  instructions: Instruction[];
}

/** Each build stage by name, with the instructions after its FROM (up to the next one). */
const stages = new Map<string, Stage>();
for (const from of dockerfile.getFROMs()) {
  const start = from.getRange().start.line;
  const next =
    dockerfile
      .getFROMs()
      .find((f) => f.getRange().start.line > start)
      ?.getRange().start.line ?? Infinity;
  const instructions = dockerfile
    .getInstructions()
    .filter((i) => i.getRange().start.line > start && i.getRange().start.line < next);
  stages.set(from.getBuildStage() ?? `stage${stages.size}`, { from, instructions });
}

function stage(name: string): Stage {
  const found = stages.get(name);
  assert.ok(found, `stage ${name}`);
  return found;
}
const words = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
const ofKeyword = <T extends Instruction>(s: Stage, keyword: string): T[] =>
  s.instructions.filter((i) => i.getKeyword() === keyword) as T[];
const envOf = (s: Stage): Map<string, string | null> =>
  new Map(ofKeyword<Env>(s, 'ENV').flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()] as const)));
const fromStage = (c: Copy): string | null => c.getFromFlag()?.getValue() ?? null;
const TARGETS = ['cpu', 'gpu'] as const;

test('Dockerfile: dockerfile-utils finds nothing wrong with it', () => {
  assert.deepEqual(
    validate(text).map(
      (d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    ),
    [],
  );
});

test('Dockerfile: a build stage, production-only dependency stages, and cpu/gpu targets', () => {
  assert.deepEqual([...stages.keys()], ['build', 'deps-cpu', 'deps-gpu', ...TARGETS]);
  for (const name of ['deps-cpu', 'deps-gpu']) {
    const installs = ofKeyword(stage(name), 'RUN').map((r) => words(r).join(' '));
    assert.ok(
      installs.some((run) => run.split('&&').some((command) => command.trim() === 'npm ci --omit=dev')),
      `${name} installs production dependencies only: ${installs.join(' | ')}`,
    );
  }
});

for (const target of TARGETS) {
  test(`Dockerfile ${target}: non-root, production settings the gateway knows, port, health check, SIGTERM, node_modules without dev dependencies`, () => {
    const s = stage(target);
    const user = ofKeyword(s, 'USER').at(-1);
    assert.ok(user, 'a USER');
    assert.doesNotMatch(must(words(user)[0], 'the user'), /^(root|0)(:|$)/, 'runs as a non-root user');

    const env = envOf(s);
    const known = new Set(Object.values(ENV_NAMES));
    for (const name of env.keys()) assert.ok(known.has(name), `ENV ${name} is a gateway setting`);
    assert.equal(env.get('NODE_ENV'), 'production');
    assert.deepEqual(ofKeyword(s, 'EXPOSE').flatMap(words), [env.get('PORT')], 'EXPOSE is the PORT it listens on');

    const [healthcheck, ...more] = ofKeyword<Healthcheck>(s, 'HEALTHCHECK');
    assert.equal(more.length, 0);
    assert.equal(healthcheck?.getSubcommand()?.getValue(), 'CMD');
    assert.deepEqual(ofKeyword(s, 'STOPSIGNAL').flatMap(words), ['SIGTERM'], 'SIGTERM: the gateway drains on it');

    const cmd = must(ofKeyword<JSONInstruction>(s, 'CMD')[0], 'a CMD');
    const argv = cmd.getJSONStrings().map((j) => j.getJSONValue());
    assert.equal(argv[0], 'node');
    const script = must(argv.at(-1), 'the script CMD runs');
    assert.ok(existsSync(path.join(repoRoot, script)), `CMD runs ${script}, which the build makes`);
    assert.deepEqual(argv.slice(1, -1), startFlags, 'the Node flags of npm start');

    const copies = ofKeyword<Copy>(s, 'COPY');
    const modules = copies.filter((c) => words(c).at(-1) === './node_modules');
    assert.deepEqual(modules.map(fromStage), [`deps-${target}`], 'node_modules from the production-only stage');
    assert.ok(
      !copies.some((c) => fromStage(c) === 'build' && words(c).some((w) => w.includes('node_modules'))),
      'never the build stage dependencies',
    );
    assert.ok(
      copies.some((c) => fromStage(c) === null && words(c)[0] === 'models'),
      'ships the bundled model',
    );
  });
}

test('Dockerfile: every file and folder it COPYs from the build context exists in the repository', () => {
  const sources = dockerfile
    .getCOPYs()
    .filter((c) => fromStage(c) === null)
    .flatMap((c) => words(c).slice(0, -1));
  assert.ok(sources.length > 5);
  for (const source of sources)
    assert.ok(existsSync(path.join(repoRoot, source)), `COPY ${source}: not in the repository`);
});

/** Runs the health check's shell-form command as Docker does (`/bin/sh -c`), with PORT set; resolves with its exit code. */
function runHealthcheck(healthcheck: Healthcheck, port: number): Promise<number | null> {
  const command = words(healthcheck).slice(1).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

test('Dockerfile: the health check exits 0 while /readyz answers 200 on PORT, and 1 on 503 or when nothing listens', async (t) => {
  let ready = true;
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(ready ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  for (const target of TARGETS) {
    const healthcheck = must(ofKeyword<Healthcheck>(stage(target), 'HEALTHCHECK')[0], `${target}'s HEALTHCHECK`);
    ready = true;
    assert.equal(await runHealthcheck(healthcheck, port), 0, `${target}: ready`);
    ready = false;
    assert.equal(await runHealthcheck(healthcheck, port), 1, `${target}: draining`);
  }
  assert.deepEqual(new Set(paths), new Set(['/readyz']));
  // A port nothing listens on: the server's, once it has closed.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const healthcheck = must(ofKeyword<Healthcheck>(stage('cpu'), 'HEALTHCHECK')[0], "cpu's HEALTHCHECK");
  assert.equal(await runHealthcheck(healthcheck, port), 1, 'nothing listening');
});
