/**
 * The alerting loop, real on loopback: a gateway with two fake providers,
 * Debian's Prometheus scraping it every second with the production rules on
 * a clock sixty times faster (scaleRuleDurations), Alertmanager sending to a
 * webhook receiver in this test and to the gateway's /internal/alerts. A
 * fault in one provider must fire GatewayProviderErrorRatioHigh through
 * Prometheus and Alertmanager, the gateway must demote the provider, and
 * once the fault is gone the alert must resolve and the demotion be undone.
 * Skipped, loudly, where the binaries are missing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../helpers/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { startFakeHuggingFace } from '../helpers/fake-huggingface.js';
import type { FakeServer } from '../helpers/fake-http.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf, productIds as firstProductIds } from '../helpers/graphql.js';
import { waitFor } from '../helpers/wait.js';
import { must } from '../helpers/must.js';

const PROMETHEUS = 'prometheus';
const ALERTMANAGER = 'prometheus-alertmanager';
/** The production rules run sixty times faster: five minutes become five seconds. */
const TIME_SCALE = 60;
const ALERT = 'GatewayProviderErrorRatioHigh';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A PromQL or rule duration (`5m`, `1h30m`) divided by `scale`, in whole seconds, at least 1 s. */
function scaledDuration(duration: string, scale: number): string {
  let seconds = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|[smhdwy])/g)) {
    const factor = unit === undefined ? undefined : UNIT_SECONDS[unit];
    seconds += Number(n) * must(factor, `a unit in ${duration}`);
  }
  return `${Math.max(1, Math.ceil(seconds / scale))}s`;
}

/**
 * The rules file with every duration divided by `scale`: `for:`, range
 * selectors and subqueries (`[5m]`, `[1h:5m]`) and `offset`. The
 * expressions are otherwise the production ones.
 */
function scaleRuleDurations(text: string, scale: number): string {
  const doc = parse(text) as RulesFile;
  const d = '(\\d+(?:ms|[smhdwy]))+';
  for (const group of doc.groups) {
    for (const rule of group.rules) {
      if (rule.for) rule.for = scaledDuration(rule.for, scale);
      rule.expr = rule.expr
        .replace(
          new RegExp(`\\[(${d})(?::(${d}))?\\]`, 'g'),
          (_m, range: string, _r, step: string | undefined) =>
            `[${scaledDuration(range, scale)}${step ? `:${scaledDuration(step, scale)}` : ''}]`,
        )
        .replace(
          new RegExp(`offset\\s+(${d})`, 'g'),
          (_m, offset: string) => `offset ${scaledDuration(offset, scale)}`,
        );
    }
  }
  return stringify(doc, { lineWidth: 0 });
}

function binaryMissing(): string | null {
  for (const bin of [PROMETHEUS, ALERTMANAGER]) {
    if (spawnSync(bin, ['--version']).status !== 0)
      return `${bin} is not installed (Debian's prometheus and prometheus-alertmanager packages; .ci/run installs them)`;
  }
  return null;
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** waitFor with a probe that may fail while Prometheus or Alertmanager is still starting (a failed probe counts as not yet). */
function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>) {
  return waitFor(() => probe().catch(() => undefined), { timeoutMs, what, intervalMs: 200 });
}

/** The part of a Prometheus instant-query answer the test reads. */
interface PromQueryAnswer {
  data?: { result?: Array<{ value?: [number, string] }> };
}

/** The rules file as the test scales it. */
interface RulesFile {
  groups: Array<{ rules: Array<{ alert?: string; expr: string; for?: string; labels?: Record<string, string> }> }>;
}

interface Notification {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

let skipReason: string | null = null;
let dir: string;
const children: ChildProcess[] = [];
let openai: FakeOpenAI;
let hf: FakeServer;
let server: TestServer;
let receiver: http.Server;
const received: Notification[] = [];
let promUrl: string;
let productIds: string[] = [];
/** What before() started, closed in reverse by after(): only what did start, since before() may skip or fail. */
const closers: Array<() => Promise<unknown>> = [];

function start(bin: string, args: string[], name: string): ChildProcess {
  const log = createWriteStream(path.join(dir, `${name}.log`));
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.push(child);
  return child;
}

before(async () => {
  skipReason = binaryMissing();
  if (skipReason) return;
  dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-alerting-'));
  openai = await startFakeOpenAI();
  closers.push(() => openai.close());
  hf = await startFakeHuggingFace();
  closers.push(() => hf.close());
  server = await startTestServer({
    providers: ['openai', 'huggingface'],
    openaiBaseUrl: openai.baseURL,
    hfEndpointUrl: hf.url,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    metricsPort: 0,
  });
  closers.push(() => server.stop());
  productIds = await firstProductIds(server.gql, 20, bearer(TEST_KEYS.mobile));

  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification);
      res.writeHead(200).end();
    });
  });
  closers.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const amPort = await freePort();
  writeFileSync(path.join(dir, 'gateway-key'), TEST_KEYS.internal);
  writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    stringify({
      route: {
        receiver: 'all',
        group_by: ['alertname', 'provider'],
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: '1h',
      },
      receivers: [
        {
          name: 'all',
          webhook_configs: [
            { url: receiverUrl, send_resolved: true },
            {
              url: `${server.url}/internal/alerts`,
              send_resolved: true,
              http_config: { authorization: { type: 'Bearer', credentials_file: path.join(dir, 'gateway-key') } },
            },
          ],
        },
      ],
    }),
  );
  start(
    ALERTMANAGER,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ],
    'alertmanager',
  );

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(
    path.join(dir, 'gateway.rules.yml'),
    scaleRuleDurations(
      readFileSync(path.join(repoRoot, 'deploy', 'prometheus', 'rules', 'gateway.rules.yml'), 'utf8'),
      TIME_SCALE,
    ),
  );
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(dir, 'gateway.rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [
        { job_name: 'stylesprint-gateway', static_configs: [{ targets: [`127.0.0.1:${server.metricsPort}`] }] },
      ],
    }),
  );
  start(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--rules.alert.resend-delay=1s',
    ],
    'prometheus',
  );

  await until('Alertmanager to be ready', 30_000, async () => (await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok);
  await until('Prometheus to be ready', 30_000, async () => (await fetch(`${promUrl}/-/ready`)).ok);
  await until('Prometheus to scrape the gateway', 30_000, async () => {
    const body = (await (
      await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('up{job="stylesprint-gateway"}')}`)
    ).json()) as PromQueryAnswer;
    return body.data?.result?.[0]?.value?.[1] === '1';
  });
});

after(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  for (const close of closers.reverse()) await close();
  if (dir && !process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
});

let seed = 0;
/** Keeps a generation in flight at all times (personalization policy: openai first, huggingface next) until `stop()`. */
function traffic(): { stop(): Promise<void>; providers: string[] } {
  const providers: string[] = [];
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const input = [{ productId: productIds[seed % productIds.length], params: { seed: ++seed } }];
      const { body } = await server.gql<{ generateDescriptions: Array<{ __typename: string; provider?: string }> }>(
        'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename ... on Description { provider } } }',
        { input },
        bearer(TEST_KEYS.personalization),
      );
      providers.push(body.data?.generateDescriptions[0]?.provider ?? 'error');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    providers,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

const notified = (status: 'firing' | 'resolved') => (): Promise<boolean> =>
  Promise.resolve(
    received.some((n) =>
      n.alerts.some((a) => a.status === status && a.labels.alertname === ALERT && a.labels.provider === 'openai'),
    ),
  );

type Action = { kind: string; target: string; alert: string };

async function actions(): Promise<Action[]> {
  const data = dataOf(
    await server.gql<{ providers: Array<{ id: string; actions: Action[] }> }>(
      '{ providers { id actions { kind target alert } } }',
      {},
      bearer(TEST_KEYS.internal),
    ),
  );
  const openaiStatus = data.providers.find((p) => p.id === 'openai');
  assert.ok(openaiStatus, 'the providers query lists openai');
  return openaiStatus.actions;
}

test('scaleRuleDurations divides every duration of the rules and leaves the rest as it is', () => {
  const text = stringify({
    groups: [
      {
        name: 'g',
        rules: [
          {
            alert: 'A',
            expr: 'rate(x[5m]) > avg_over_time(y[1d] offset 1h) and z[1h:5m]',
            for: '10m',
            labels: { severity: 'x' },
          },
        ],
      },
    ],
  });
  const rule = (parse(scaleRuleDurations(text, 60)) as RulesFile).groups[0]?.rules[0];
  assert.deepEqual(rule, {
    alert: 'A',
    expr: 'rate(x[5s]) > avg_over_time(y[1440s] offset 60s) and z[60s:5s]',
    for: '10s',
    labels: { severity: 'x' },
  });
});

test(
  'a provider fault fires the alert through Prometheus and Alertmanager, the gateway demotes the provider, and both are undone after recovery',
  { timeout: 240_000 },
  async (t) => {
    if (skipReason) {
      console.warn(`SKIPPED (no Prometheus/Alertmanager): ${skipReason}`);
      return t.skip(skipReason);
    }
    const load = traffic();
    try {
      // Healthy: openai answers first, no alert.
      await until(
        'healthy traffic to reach openai',
        10_000,
        async () => load.providers.filter((p) => p === 'openai').length >= 10,
      );
      assert.deepEqual(await actions(), []);

      // The fault: openai's content filter refuses every prompt (failures the error ratio counts; see docs/operations.md on the time scale).
      openai.setMode('content_filter');
      const faultAt = Date.now();
      await until(`${ALERT} to reach the webhook receiver`, 90_000, notified('firing'));
      t.diagnostic(`fault to firing notification: ${Date.now() - faultAt} ms (for: 5s on the scaled clock)`);
      await until('the gateway to demote openai', 10_000, async () =>
        (await actions()).some((a) => a.kind === 'demote_provider' && a.alert === ALERT),
      );

      // Demoted: huggingface answers first; openai keeps only the canary share, and fails it over.
      const mark = load.providers.length;
      const callsBefore = openai.count('chat.completions');
      await until('traffic while demoted', 20_000, async () => load.providers.length - mark >= 30);
      const demoted = load.providers.slice(mark);
      assert.ok(
        demoted.every((p) => p === 'huggingface'),
        `demoted: ${demoted.join(',')}`,
      );
      const openaiCalls = openai.count('chat.completions') - callsBefore;
      assert.ok(
        openaiCalls <= Math.ceil(demoted.length / 10) + 2,
        `${openaiCalls} calls to openai over ${demoted.length} requests: only the canary share`,
      );

      // Recovery: the canary calls succeed, the ratio falls, the alert resolves and the demotion is undone.
      openai.setMode('ok');
      const recoveredAt = Date.now();
      await until(`${ALERT} to resolve at the webhook receiver`, 90_000, notified('resolved'));
      await until('the gateway to undo the demotion', 10_000, async () => (await actions()).length === 0);
      t.diagnostic(`recovery to demotion undone: ${Date.now() - recoveredAt} ms`);
      // The request in flight when the undo came may have been planned before it.
      const after = load.providers.length + 1;
      await until('traffic after recovery', 10_000, async () => load.providers.length - after >= 5);
      assert.ok(
        load.providers.slice(after).every((p) => p === 'openai'),
        `after recovery: ${load.providers.slice(after).join(',')}`,
      );
    } catch (error) {
      for (const name of ['prometheus', 'alertmanager'])
        console.error(
          `--- ${name} log (tail)\n${readFileSync(path.join(dir, `${name}.log`), 'utf8')
            .split('\n')
            .slice(-20)
            .join('\n')}`,
        );
      console.error(
        `--- notifications\n${JSON.stringify(received.map((n) => n.alerts.map((a) => `${a.status} ${a.labels.alertname} ${a.labels.provider ?? ''}`)))}`,
      );
      throw error;
    } finally {
      await load.stop();
    }
  },
);
