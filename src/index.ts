import { exitOnStartFailure, requireSupportedNode } from './startup.js';

const PROGRAM = 'stylesprint-gateway';
// Before anything else is loaded: on an older Node, importing the server fails on node:sqlite with a stack trace.
requireSupportedNode(PROGRAM);

try {
  // The composition root: the one file of src/ that imports schema/ (see .dependency-cruiser.cjs).
  const { createGateway } = await import('../schema/index.js');
  const { setGcThreadNice } = await import('./observability/gc-threads.js');
  const server = await createGateway();
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
  exitOnStartFailure(PROGRAM, error);
}
