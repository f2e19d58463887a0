/** docker-compose.yml (scale-out): the services it promises, settings the gateway knows, and nginx over every replica. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths.js';
import { ENV_NAMES } from '../../src/config.js';
import { must } from '../helpers/must.js';

const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { command?: string[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: unknown }
  >;
};
const service = (name: string) => must(compose.services[name], `the ${name} service`);
const gateways = Object.keys(compose.services).filter((name) => /^gateway-\d+$/.test(name));

test('two gateways, a worker, PostgreSQL, Redis and nginx', () => {
  assert.ok(gateways.length >= 2, `gateways: ${gateways.join(', ')}`);
  for (const name of ['worker', 'postgres', 'redis', 'nginx']) assert.ok(compose.services[name], `${name} service`);
  const worker = service('worker');
  assert.deepEqual(worker.command, ['node', 'dist/src/worker.js']);
  assert.ok(existsSync(path.join(repoRoot, 'src', 'worker.ts')), 'the worker entry point exists');
});

test('gateways and the worker share one database and one Redis, with settings the config knows', () => {
  const known = new Set(Object.values(ENV_NAMES));
  for (const name of [...gateways, 'worker']) {
    const env = must(service(name).environment, `${name}'s environment`);
    assert.match(must(env.DATABASE_URL, `${name}'s DATABASE_URL`), /^postgresql:\/\/.+@postgres:5432\//, name);
    assert.equal(env.REDIS_URL, 'redis://redis:6379', name);
    for (const key of Object.keys(env)) assert.ok(known.has(key), `${name}: ${key} is a gateway setting`);
  }
  for (const name of gateways)
    assert.equal(service(name).environment?.WORKERS, '0', `${name} leaves jobs to the worker`);
  assert.ok(Number(service('worker').environment?.WORKERS) > 0);
});

test('nginx balances over every gateway service, and passes WebSocket upgrades', () => {
  const mount = must(
    service('nginx').volumes?.find((v) => v.includes('nginx.conf')),
    'the nginx.conf mount',
  );
  const conf = readFileSync(path.join(repoRoot, must(mount.split(':')[0], 'the mounted file')), 'utf8');
  const servers = [...conf.matchAll(/^\s*server\s+([\w-]+):4000/gm)].map((m) => m[1]);
  assert.deepEqual(servers.sort(), [...gateways].sort());
  assert.match(conf, /proxy_set_header Upgrade \$http_upgrade/);
});
