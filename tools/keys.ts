/**
 * Gateway API keys, against the configured database (DATABASE_PATH or DATABASE_URL):
 *   npm run keys -- create --role mobile --name ios-app   prints the key once
 *   npm run keys -- list                                   no secrets: a fingerprint of each key's hash
 *   npm run keys -- revoke <id|name>
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openStorage } from '../src/storage/index.js';
import { createApiKey, keyFingerprint } from '../src/auth/api-keys.js';
import { isRole, ROLES } from '../src/auth/roles.js';

const USAGE = `usage: npm run keys -- create --role <${ROLES.join('|')}> --name <name>
       npm run keys -- list
       npm run keys -- revoke <id|name>`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' } },
  });
  const [command, target] = positionals;
  const config = loadConfig();
  const storage = await openStorage(config);
  try {
    switch (command) {
      case 'create': {
        const role = values.role ?? '';
        const name = values.name?.trim() ?? '';
        if (!isRole(role) || !name) {
          console.error(USAGE);
          return 2;
        }
        if ((await storage.apiKeys.list()).some((k) => k.name === name && !k.revokedAt)) {
          console.error(`an active key named ${JSON.stringify(name)} exists: revoke it first or pick another name`);
          return 1;
        }
        const { key, record } = await createApiKey(storage.apiKeys, role, name);
        console.error(
          `created ${record.role} key ${JSON.stringify(record.name)} (id ${record.id}, fingerprint ${keyFingerprint(record.hash)}). It is shown once; store it now.`,
        );
        console.log(key);
        return 0;
      }
      case 'list': {
        const keys = await storage.apiKeys.list();
        // No character of any key: the fingerprint is the start of its SHA-256 (see keyFingerprint).
        console.log(['id', 'name', 'role', 'fingerprint', 'created_at', 'last_used_at', 'revoked_at'].join('\t'));
        for (const k of keys)
          console.log(
            [k.id, k.name, k.role, keyFingerprint(k.hash), k.createdAt, k.lastUsedAt ?? '-', k.revokedAt ?? '-'].join(
              '\t',
            ),
          );
        return 0;
      }
      case 'revoke': {
        if (!target) {
          console.error(USAGE);
          return 2;
        }
        const revoked = await storage.apiKeys.revoke(target);
        if (revoked === 0) {
          console.error(`no active key with id or name ${JSON.stringify(target)}`);
          return 1;
        }
        console.error(`revoked ${JSON.stringify(target)}`);
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await storage.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
