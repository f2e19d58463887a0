import { exitOnStartFailure, requireSupportedNode } from './startup.js';

const PROGRAM = 'stylesprint-gateway';
// Before anything else is loaded: on an older Node, importing the server fails on node:sqlite with a stack trace.
requireSupportedNode(PROGRAM);

// The signal handlers go in before the server is built: without a listener a SIGTERM takes the OS
// default and kills the process at once, so one that came just after "listening" (or during the
// start) would skip the drain. A signal during the start is kept and honoured once the server is up.
// A property, not a variable: the signal handler sets it during the awaits below, and a
// variable's read after them would be narrowed to its initial null.
const requested: { signal: string | null } = { signal: null };
let stopNow: ((signal: string) => void) | null = null;
const onSignal = (signal: string) => {
  if (requested.signal) return;
  requested.signal = signal;
  stopNow?.(signal);
};
process.once('SIGTERM', () => onSignal('SIGTERM'));
process.once('SIGINT', () => onSignal('SIGINT'));

try {
  // The composition root: the one file of src/ that imports schema/ (see .dependency-cruiser.cjs).
  const { createGateway } = await import('../schema/index.js');
  const { setGcThreadNice } = await import('./observability/gc-threads.js');
  const server = await createGateway();
  const gcThreads = setGcThreadNice(server.config.gcThreadNice);
  server.logger.info(
    { url: server.url, storage: server.storage.kind, gcThreadNice: server.config.gcThreadNice, gcThreads },
    'StyleSprint Gateway listening',
  );
  stopNow = (signal: string) => {
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  if (requested.signal) stopNow(requested.signal);
} catch (error) {
  exitOnStartFailure(PROGRAM, error);
}
