import { pino, type Logger, type DestinationStream } from 'pino';
import type { Config } from './config.js';

/**
 * JSON logs. Secrets never reach them: headers and known key fields are
 * redacted wherever they appear.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'stylesprint-gateway' },
      redact: {
        paths: [
          '*.authorization',
          '*.headers.authorization',
          'apiKey',
          '*.apiKey',
          'key',
          '*.key',
          'token',
          '*.token',
          'prompt',
          '*.prompt',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
