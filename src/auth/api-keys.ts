import { hash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError } from '../startup.js';
import type { ApiKeyRecord, ApiKeyStore } from '../storage/types.js';
import { isRole, OPEN_PRINCIPAL, type Principal, type Role } from './roles.js';

/** Marks keys made by this gateway, so they are recognisable in a leak scan. */
export const KEY_PREFIX = 'ssk_';
/** Shortest key accepted from GATEWAY_API_KEYS: shorter ones are guessable. */
export const MIN_KEY_LENGTH = 16;
/** Names of keys provisioned from GATEWAY_API_KEYS start with this. */
export const ENV_KEY_NAME_PREFIX = 'env-';
/** last_used_at is written at most this often per key, so reads do not become writes. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * SHA-256 is enough for a key with 256 bits of entropy (no salt or slow hash
 * needed: nothing to brute-force), and it keeps lookup a single indexed read.
 */
export const hashKey = (key: string): string => hash('sha256', key, 'hex');

/**
 * How a key is named in listings: the start of its hash, never a character
 * of the key. The holder of a key finds it with
 * `printf %s "$KEY" | sha256sum | cut -c1-12`.
 */
export const keyFingerprint = (keyHash: string): string => keyHash.slice(0, 12);

/** A fresh key: `ssk_` + 32 random bytes, base64url. */
export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Creates and stores a key; returns the key itself (shown once) and its record. */
export async function createApiKey(
  keys: ApiKeyStore,
  role: Role,
  name: string,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = generateKey();
  // The stored prefix is the constant marker only: any character after it would be a piece of the secret.
  const record = await keys.insert({ name, role, prefix: KEY_PREFIX, hash: hashKey(key) });
  return { key, record };
}

/** Parses `role:key,role:key` (GATEWAY_API_KEYS). Throws naming the bad entry, never echoing a key. */
export function parseGatewayApiKeys(value: string): Array<{ role: Role; key: string }> {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const at = entry.indexOf(':');
      const role = at > 0 ? entry.slice(0, at).trim() : '';
      const key = at > 0 ? entry.slice(at + 1).trim() : '';
      if (!isRole(role))
        throw new Error(
          `entry ${i + 1}: the role must be mobile, personalization, editor or internal (format role:key)`,
        );
      if (key.length < MIN_KEY_LENGTH)
        throw new Error(`entry ${i + 1}: the key must be at least ${MIN_KEY_LENGTH} characters`);
      return { role, key };
    });
}

/** The name of a GATEWAY_API_KEYS key: role and a hash fragment, never a piece of a key that was not made to be shown. */
const environmentKeyName = (role: Role, hash: string): string => `${ENV_KEY_NAME_PREFIX}${role}-${hash.slice(0, 8)}`;

/**
 * Stores the GATEWAY_API_KEYS keys (hashed) and revokes environment keys that
 * are no longer listed, so removing a key from the environment and restarting
 * takes it out of service. Keys created with the CLI are left alone.
 *
 * Restarting with the same list always starts. A listed key that is revoked
 * (by an operator, or dropped from the list at an earlier start) stays
 * revoked: revocation is final, so a leaked key cannot come back through a
 * stale environment; the start logs a warning naming it. A listed key whose
 * role changed is given the new role (an environment key also the new name).
 */
export async function provisionEnvironmentKeys(
  store: ApiKeyStore,
  keys: ReadonlyArray<{ role: Role; key: string }>,
  logger: Pick<Logger, 'warn' | 'info'>,
): Promise<void> {
  const wanted = new Set<string>();
  for (const { role, key } of keys) {
    const hash = hashKey(key);
    wanted.add(hash);
    const name = environmentKeyName(role, hash);
    const record = await store.insertIfAbsent({ name, role, prefix: '', hash });
    if (!record)
      throw new ConfigError(
        `GATEWAY_API_KEYS: an active key other than this one is already named ${JSON.stringify(name)}; revoke it with \`npm run keys -- revoke ${name}\``,
      );
    if (record.revokedAt) {
      logger.warn(
        { keyName: record.name, revokedAt: record.revokedAt },
        'GATEWAY_API_KEYS lists a revoked key: it stays revoked; put a new key in its place',
      );
    } else if (record.role !== role) {
      const renamed = record.name.startsWith(ENV_KEY_NAME_PREFIX) ? name : record.name;
      await store.setRole(record.id, role, renamed);
      logger.info(
        { keyName: renamed, previousName: record.name, previousRole: record.role, role },
        'GATEWAY_API_KEYS changed the role of a key',
      );
    }
  }
  for (const record of await store.list()) {
    if (record.name.startsWith(ENV_KEY_NAME_PREFIX) && !record.revokedAt && !wanted.has(record.hash))
      await store.revoke(record.id);
  }
}

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' };

/**
 * Turns an Authorization header (or graphql-ws `connectionParams.authorization`)
 * into a principal. One storage read per request: revocation takes effect on
 * the next request, even when done by the CLI in another process.
 */
export class Authenticator {
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly options: { allowOpen: boolean; logger: Logger },
  ) {}

  async authenticate(header: string | undefined | null): Promise<AuthResult> {
    if (header === undefined || header === null || header === '') {
      // Open only while no key exists at all: creating the first key closes it at once.
      if (this.options.allowOpen && (await this.keys.countActive()) === 0)
        return { ok: true, principal: OPEN_PRINCIPAL };
      return { ok: false, reason: 'missing' };
    }
    const token = /^Bearer\s+(?<token>\S{1,512})\s*$/i.exec(header)?.groups?.token;
    if (token === undefined) return { ok: false, reason: 'malformed' };
    const record = await this.keys.byHash(hashKey(token));
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.revokedAt) return { ok: false, reason: 'revoked' };
    this.touch(record.id);
    return { ok: true, principal: { keyId: record.id, name: record.name, role: record.role } };
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(id, now);
    this.keys.touch(id, new Date(now).toISOString()).catch((error: unknown) => {
      this.options.logger.warn({ err: error, keyId: id }, 'could not record key use');
    });
  }
}
