import { createServer } from './server.js';
import { ConfigError } from './config.js';
import { setGcThreadNice } from './observability/gc-threads.js';

try {
  const server = await createServer();
  const gcThreads = setGcThreadNice(server.config.gcThreadNice);
  server.logger.info({ url: server.url, storage: server.storage.kind, gcThreadNice: server.config.gcThreadNice, gcThreads }, 'StyleSprint Gateway listening');
  const stop = (signal: string) => {
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`stylesprint-gateway: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
