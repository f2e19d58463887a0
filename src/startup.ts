/**
 * How the gateway and the worker refuse to start: one line on stderr that
 * says why (`stylesprint-gateway: <reason>`) and an exit code, never a stack
 * trace. Nothing here may import the rest of the gateway: the Node version
 * check runs before any module that an older Node cannot load (node:sqlite).
 */
import { readFileSync } from 'node:fs';

/** A setting is invalid (sysexits' EX_CONFIG): fix the environment, not the machine. */
export const EXIT_CONFIG = 78;
/** Anything else that stopped the start: a model that does not load, a port in use, a database that cannot be opened. */
export const EXIT_START_FAILED = 1;

/** A setting that is invalid or missing; config.ts throws it (and re-exports it), and it exits with EXIT_CONFIG. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The exit code and the one line for an error that stopped the start.
 * A configuration error's message stands alone; anything else is prefixed
 * "could not start". Line breaks in a message (ONNX Runtime's, for one) are
 * folded, so the reason stays one line.
 */
export function startFailure(program: string, error: unknown): { exitCode: number; line: string } {
  const message =
    (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
  const config = error instanceof ConfigError;
  return {
    exitCode: config ? EXIT_CONFIG : EXIT_START_FAILED,
    line: `${program}: ${config ? message : `could not start: ${message}`}`,
  };
}

/** Writes the one line and exits. Used for every start-up failure of src/index.ts and src/worker.ts. */
export function exitOnStartFailure(program: string, error: unknown): never {
  const { exitCode, line } = startFailure(program, error);
  process.stderr.write(`${line}\n`);
  process.exit(exitCode);
}

/** The lowest Node major that package.json's `engines.node` (">=24 <25") accepts; null when it has no `>=N`. */
export function minimumNodeMajor(engines: string | undefined): number | null {
  const match = /(?:^|\s)>=\s*v?(\d+)/.exec(engines ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * Why this Node cannot run the gateway, or null when it can. Only the lower
 * bound counts: a newer Node than the one tested is allowed to try.
 */
export function nodeVersionProblem(version: string, engines: string | undefined): string | null {
  const minimum = minimumNodeMajor(engines);
  const major = Number(/^v?(\d+)/.exec(version)?.[1]);
  if (minimum === null || major >= minimum) return null;
  return (
    `Node ${version.startsWith('v') ? version : `v${version}`} is too old: the gateway needs Node ${minimum} or later. ` +
    `Start it through npm (\`npm start\`, \`npm run worker\`), which fetches Node ${minimum} into .node/ when the machine's Node is older, or install Node ${minimum}.`
  );
}

/** Exits with the one line when this process's Node is older than package.json's engines allow. */
export function requireSupportedNode(program: string): void {
  let engines: string | undefined;
  try {
    // dist/src/startup.js → the package.json at the root (also copied into the Docker image).
    engines = (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        engines?: { node?: string };
      }
    ).engines?.node;
  } catch {
    return;
  }
  const problem = nodeVersionProblem(process.version, engines);
  if (problem) exitOnStartFailure(program, new Error(problem));
}
