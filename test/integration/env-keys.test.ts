import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { spawnGateway } from '../helpers/gateway-process.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { repoRoot } from '../helpers/paths.js';
import { recordTestSecrets } from '../helpers/run-dir.js';
import { productIds } from '../helpers/graphql.js';
import { bearer } from '../helpers/keys.js';
import { hashKey } from '../../src/auth/api-keys.js';
import { tempDir } from '../helpers/temp-dir.js';
import { must } from '../helpers/must.js';

const run = promisify(execFile);
const PRODUCTS = '{ products(first: 1) { edges { node { id } } } }';
const GENERATE =
  'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }';
const KEYS = {
  internal: 'test-envkeys-internal-4c8e1a',
  revoked: 'test-envkeys-revoked-7b2d9f',
  moved: 'test-envkeys-moved-3e6a0c5d',
} as const;
recordTestSecrets('env-keys', Object.values(KEYS));

const dir = tempDir('stylesprint-env-keys');

/**
 * Starts, revokes an environment key with the CLI, and changes another's role
 * in GATEWAY_API_KEYS, restarting the real process (`node dist/src/index.js`)
 * each time against the same database.
 */
async function restartsAfterRevokeAndRoleChange(
  database: Record<string, string | undefined>,
  label: string,
): Promise<void> {
  // Production: a start that fails here would crash-loop a pod.
  const env = { ...database, NODE_ENV: 'production', PROVIDERS: 'onnx', RATE_LIMITS: 'mobile=off,personalization=off' };
  const first = await spawnGateway(
    'index',
    { ...env, GATEWAY_API_KEYS: `internal:${KEYS.internal},mobile:${KEYS.revoked},personalization:${KEYS.moved}` },
    `env-keys-${label}-1`,
  );
  let productId: string;
  try {
    productId = must((await productIds(first.gql, 1, bearer(KEYS.revoked)))[0], 'a product id');
    assert.equal((await first.gql(GENERATE, { input: [{ productId }] }, bearer(KEYS.moved))).status, 200);
  } finally {
    await first.stop();
  }

  const revokedName = `env-mobile-${hashKey(KEYS.revoked).slice(0, 8)}`;
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(repoRoot, 'dist', 'tools', 'keys.js'), ...args], {
      env: { ...process.env, ...env },
    });
  await cli('revoke', revokedName);

  // The same revoked key, and the personalization key now listed as mobile.
  const second = await spawnGateway(
    'index',
    { ...env, GATEWAY_API_KEYS: `internal:${KEYS.internal},mobile:${KEYS.revoked},mobile:${KEYS.moved}` },
    `env-keys-${label}-2`,
  );
  try {
    const warning = must(
      second.logs.find(
        (l) => l.msg === 'GATEWAY_API_KEYS lists a revoked key: it stays revoked; put a new key in its place',
      ),
      'the revoked-key warning',
    );
    assert.equal(warning.keyName, revokedName, 'the start names the revoked key');
    assert.equal(warning.level, 40);
    const revoked = await second.gql(PRODUCTS, {}, bearer(KEYS.revoked));
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.errors?.[0]?.extensions?.reason, 'REVOKED');
    // The moved key reads as mobile now, and may no longer generate.
    assert.equal((await second.gql(PRODUCTS, {}, bearer(KEYS.moved))).status, 200);
    assert.equal(
      (await second.gql(GENERATE, { input: [{ productId }] }, bearer(KEYS.moved))).body.errors?.[0]?.extensions?.code,
      'FORBIDDEN',
    );
    assert.equal((await second.gql(PRODUCTS, {}, bearer(KEYS.internal))).status, 200);
  } finally {
    await second.stop();
  }

  // One row per key; the moved key renamed for its role, the revoked one still revoked.
  const listed = (await cli('list')).stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'));
  const byName = new Map(listed.map(([, name, role, , , , revokedAt]) => [name, { role, revoked: revokedAt !== '-' }]));
  assert.equal(listed.length, 3);
  assert.deepEqual(byName.get(revokedName), { role: 'mobile', revoked: true });
  assert.deepEqual(byName.get(`env-mobile-${hashKey(KEYS.moved).slice(0, 8)}`), { role: 'mobile', revoked: false });
  assert.deepEqual(byName.get(`env-internal-${hashKey(KEYS.internal).slice(0, 8)}`), {
    role: 'internal',
    revoked: false,
  });

  // And a third start with the same list starts again, changing nothing.
  const third = await spawnGateway(
    'index',
    { ...env, GATEWAY_API_KEYS: `internal:${KEYS.internal},mobile:${KEYS.revoked},mobile:${KEYS.moved}` },
    `env-keys-${label}-3`,
  );
  await third.stop();
  assert.equal(await third.exited, 0);
}

test('SQLite: a restart after a key is revoked or its role changed starts, keeps the revoked key revoked and applies the new role', () =>
  restartsAfterRevokeAndRoleChange({ DATABASE_PATH: path.join(dir, 'gateway.db'), DATABASE_URL: undefined }, 'sqlite'));

// The PostgreSQL half needs a real server; without one it is skipped, never passed.
const postgres = await createTestDatabase();
if (!postgres.ok) {
  console.warn(`[env-keys.test] PostgreSQL half SKIPPED: ${postgres.reason}`);
  test('PostgreSQL: a restart after a key is revoked or its role changed', { skip: postgres.reason }, () => {});
} else {
  const { database } = postgres;
  after(() => database.drop());
  test('PostgreSQL: a restart after a key is revoked or its role changed starts, keeps the revoked key revoked and applies the new role', () =>
    restartsAfterRevokeAndRoleChange({ DATABASE_URL: database.url }, 'postgres'));
}
