/**
 * A catalog-job worker in its own process (`npm run worker`): the same
 * configuration as the gateway (REDIS_URL is required, DATABASE_URL should
 * name the database the gateways use), no HTTP server. Concurrency is
 * WORKERS (at least 1). Stops on SIGTERM/SIGINT after the chunks in hand.
 */
import { exitOnStartFailure, requireSupportedNode } from './startup.js';

const PROGRAM = 'stylesprint-worker';
// Before anything else is loaded: an older Node fails on node:sqlite and undici with a stack trace.
requireSupportedNode(PROGRAM);

try {
  const { startWorkerProcess } = await import('./jobs/worker-process.js');
  await startWorkerProcess();
} catch (error) {
  exitOnStartFailure(PROGRAM, error);
}
