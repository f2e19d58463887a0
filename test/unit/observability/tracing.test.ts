import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../helpers/paths.js';
import { must } from '../../helpers/must.js';

const SDK_PACKAGES = [
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources',
];

/**
 * Imports the whole gateway (server.js and its static import graph) in a
 * fresh process, calls startTracing with `endpoint`, and lists the
 * OpenTelemetry packages that were resolved along the way.
 */
function resolvedOtelPackages(endpoint: string | undefined): string[] {
  const dist = path.join(repoRoot, 'dist', 'src');
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith('@opentelemetry/')) seen.add(specifier); return next(specifier, context); } });
    await import(${JSON.stringify(pathToFileURL(path.join(dist, 'server.js')).href)});
    const { startTracing } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'observability', 'tracing.js')).href)});
    const tracing = await startTracing({ endpoint: ${JSON.stringify(endpoint)} });
    await tracing.close();
    console.log(JSON.stringify([...seen]));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return JSON.parse(must(out.trim().split('\n').at(-1), 'the last line')) as string[];
}

test('without an endpoint the OpenTelemetry SDK is never loaded, not even by the server module graph', () => {
  const seen = resolvedOtelPackages(undefined);
  for (const name of SDK_PACKAGES) assert.ok(!seen.includes(name), `${name} was loaded: ${seen.join(', ')}`);
});

test('with an endpoint the SDK is loaded (the check above can see it)', () => {
  const seen = resolvedOtelPackages('http://127.0.0.1:9');
  for (const name of SDK_PACKAGES) assert.ok(seen.includes(name), `${name} missing from ${seen.join(', ')}`);
});
