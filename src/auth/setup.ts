import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config.js';
import type { ApiKeyStore } from '../storage/types.js';
import { Authenticator, parseGatewayApiKeys, provisionEnvironmentKeys } from './api-keys.js';

/**
 * Provisions GATEWAY_API_KEYS, then decides the mode: with keys, every
 * request needs one; without any outside production, the gateway runs open
 * (every caller is `internal`) and says so loudly; in production, no keys is
 * a configuration error and the gateway does not start.
 */
export async function prepareAuthentication(
  config: Pick<Config, 'gatewayApiKeys' | 'nodeEnv'>,
  keys: ApiKeyStore,
  logger: Logger,
): Promise<Authenticator> {
  await provisionEnvironmentKeys(keys, config.gatewayApiKeys ? parseGatewayApiKeys(config.gatewayApiKeys) : [], logger);
  const active = await keys.countActive();
  const production = config.nodeEnv === 'production';
  if (active === 0 && production) {
    throw new ConfigError(
      'no API keys in production: set GATEWAY_API_KEYS=role:key or create one with `npm run keys -- create --role mobile --name NAME`',
    );
  }
  if (active === 0) {
    logger.warn(
      '!!! NO API KEYS CONFIGURED: the gateway is OPEN and every caller has the internal role. Set GATEWAY_API_KEYS or run `npm run keys -- create`; this mode is refused in production. !!!',
    );
  } else {
    logger.info({ activeKeys: active }, 'API keys required');
  }
  return new Authenticator(keys, { allowOpen: !production, logger });
}
