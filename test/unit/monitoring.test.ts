/**
 * The monitoring files (deploy/prometheus, deploy/grafana, the Kubernetes
 * PrometheusRule): promtool accepts the rules and passes their unit tests,
 * every alert has a test that fires it and one that keeps it silent and a
 * runbook entry, and every metric the rules and the dashboard name is one
 * that a real gateway's /metrics exports (PromQL parsed with Prometheus's
 * own Lezer grammar).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';
import { repoRoot } from '../helpers/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ALERT_ACTIONS } from '../../src/alerts/actions.js';
import { must } from '../helpers/must.js';

const promDir = path.join(repoRoot, 'deploy', 'prometheus');
const rulesFile = path.join(promDir, 'rules', 'gateway.rules.yml');
const testFiles = readdirSync(path.join(promDir, 'tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => path.join(promDir, 'tests', f));
const dashboardFiles = readdirSync(path.join(repoRoot, 'deploy', 'grafana', 'dashboards')).map((f) =>
  path.join(repoRoot, 'deploy', 'grafana', 'dashboards', f),
);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (
  parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }
).groups.flatMap((g) => g.rules);
const alerts = rules.flatMap((r) => (r.alert ? [{ ...r, alert: r.alert }] : []));
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
/** Series Prometheus makes itself, never exported by a target. */
const PROMETHEUS_OWN = new Set(['up']);

const promtool = spawnSync('promtool', ['--version']).status === 0;
function skipWithoutPromtool(t: { skip(message?: string): void }): boolean {
  if (promtool) return false;
  console.warn("SKIPPED (no promtool): install Debian's prometheus package (.ci/run does)");
  t.skip('no promtool');
  return true;
}

/** Metric names a PromQL expression selects; throws on a syntax error. */
function metricNames(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  let error = null as number | null; // assigned in the callback, which TS's narrowing does not see
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === null) error = node.from;
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) names.push(expr.slice(id.from, id.to));
      }
    },
  });
  if (error !== null) throw new SyntaxError(`PromQL does not parse at ${error}: ${expr}`);
  return names;
}

/** The part of a Grafana dashboard panel the test reads; rows nest panels. */
interface DashboardPanel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: DashboardPanel[];
}

/** The part of a docker-compose service the test reads. */
interface ComposeService {
  volumes?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
}

/** Every `expr` of every panel target, Grafana's interval variables replaced by a duration. */
function dashboardExprs(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const file of dashboardFiles) {
    const walk = (panels: DashboardPanel[] | undefined): void => {
      for (const p of panels ?? []) {
        for (const t of p.targets ?? [])
          out.push({
            where: `${path.basename(file)}: ${p.title}`,
            expr: String(t.expr).replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m'),
          });
        walk(p.panels);
      }
    };
    walk((JSON.parse(readFileSync(file, 'utf8')) as { panels?: DashboardPanel[] }).panels);
  }
  return out;
}

// Unset until before() has started it, which may fail.
let server: TestServer | undefined;
/** Metric names /metrics exports, histogram and summary series included. */
let exported: Set<string>;
before(async () => {
  server = await startTestServer({ providers: ['openai'], budgets: 'role:mobile=1/day' });
  const text = await (await fetch(`${server.url}/metrics`)).text();
  exported = new Set();
  for (const [, found, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const name = must(found, 'the metric a # TYPE line names');
    exported.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) exported.add(name + s);
  }
});
after(async () => {
  await server?.stop();
});

test('promtool accepts the rules and the configuration, and every unit test passes', (t) => {
  if (skipWithoutPromtool(t)) return;
  execFileSync('promtool', ['check', 'rules', rulesFile], { stdio: 'pipe' });
  execFileSync('promtool', ['check', 'config', '--syntax-only', path.join(promDir, 'prometheus.yml')], {
    stdio: 'pipe',
  });
  const run = spawnSync('promtool', ['test', 'rules', ...testFiles], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal((run.stdout.match(/SUCCESS/g) ?? []).length, testFiles.length);
});

test('amtool accepts the Alertmanager configuration', (t) => {
  if (spawnSync('amtool', ['--version']).status !== 0) {
    console.warn("SKIPPED (no amtool): install Debian's prometheus-alertmanager package (.ci/run does)");
    return t.skip('no amtool');
  }
  execFileSync('amtool', ['check-config', path.join(promDir, 'alertmanager.yml')], { stdio: 'pipe' });
});

test('every alert has a test that fires it and one that keeps it silent, and a runbook entry', () => {
  const cases = testFiles.flatMap((file) =>
    (
      parse(readFileSync(file, 'utf8')) as {
        tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
      }
    ).tests.flatMap((t) => t.alert_rule_test ?? []),
  );
  const operations = readFileSync(path.join(repoRoot, 'docs', 'operations.md'), 'utf8');
  const anchors = new Set(
    [...operations.matchAll(/^#+ (.+)$/gm)].map((m) =>
      must(m[1], 'the heading text')
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  assert.ok(alerts.length >= 15);
  for (const alert of alerts) {
    const name = alert.alert;
    const mine = cases.filter((c) => c.alertname === name);
    assert.ok(
      mine.some((c) => (c.exp_alerts ?? []).length > 0),
      `${name}: no test where it fires`,
    );
    assert.ok(
      mine.some((c) => (c.exp_alerts ?? []).length === 0),
      `${name}: no test where it stays silent`,
    );
    const runbook = alert.annotations?.runbook ?? '';
    assert.equal(runbook, `docs/operations.md#${name.toLowerCase()}`, `${name}: runbook annotation`);
    assert.ok(anchors.has(name.toLowerCase()), `${name}: no runbook section in docs/operations.md`);
    assert.ok(alert.labels?.severity, `${name}: severity label`);
  }
  for (const name of Object.keys(ALERT_ACTIONS))
    assert.ok(
      alerts.some((a) => a.alert === name),
      `the gateway acts on ${name}, which no rule defines`,
    );
});

test('every metric named in the rules and the dashboard is one /metrics exports', () => {
  const uses = [...rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })), ...dashboardExprs()];
  assert.ok(uses.length > 40);
  const unknown: string[] = [];
  for (const { where, expr } of uses) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${where}: selects no metric`);
    for (const name of names)
      if (!exported.has(name) && !recorded.has(name) && !PROMETHEUS_OWN.has(name)) unknown.push(`${where}: ${name}`);
  }
  assert.deepEqual(unknown, []);
  // The check itself: a typo, a suffix on a counter and a broken expression do not pass.
  assert.ok(!exported.has(must(metricNames('sum(rate(gateway_provider_error_total[5m]))')[0], 'a metric name')));
  assert.ok(!exported.has(must(metricNames('gateway_requests_total_bucket')[0], 'a metric name')));
  assert.ok(exported.has('gateway_request_duration_seconds_bucket') && exported.has('gateway_ready'));
  assert.throws(() => metricNames('sum(rate(gateway_requests_total[5m])'), SyntaxError);
});

test("the Kubernetes PrometheusRule holds the same rules; the ServiceMonitor scrapes the pods' metrics port", () => {
  const k8s = path.join(repoRoot, 'deploy', 'kubernetes');
  const rule = parse(readFileSync(path.join(k8s, 'prometheus-rule.yaml'), 'utf8'));
  assert.equal(rule.kind, 'PrometheusRule');
  assert.deepEqual(rule.spec, parse(readFileSync(rulesFile, 'utf8')), 'run npm run monitoring:rule');
  const monitor = parse(readFileSync(path.join(k8s, 'service-monitor.yaml'), 'utf8'));
  const service = parse(readFileSync(path.join(k8s, 'service.yaml'), 'utf8'));
  assert.deepEqual(monitor.spec.selector.matchLabels, service.metadata.labels);
  const port = service.spec.ports.find((p: { name: string }) => p.name === monitor.spec.endpoints[0].port);
  assert.ok(port, 'the Service names the port the ServiceMonitor scrapes');
  const deployment = must(
    parseAllDocuments(readFileSync(path.join(k8s, 'deployment.yaml'), 'utf8'))[0],
    'the Deployment document',
  ).toJS();
  const container = deployment.spec.template.spec.containers[0];
  const metricsPort = container.ports.find((p: { name: string }) => p.name === port.targetPort);
  assert.equal(
    String(metricsPort.containerPort),
    container.env.find((e: { name: string }) => e.name === 'METRICS_PORT').value,
  );
  // The job name the GatewayDown rule selects is the Service's name, which the operator gives the job.
  assert.match(
    must(
      alerts.find((a) => a.alert === 'GatewayDown'),
      'the GatewayDown alert',
    ).expr,
    new RegExp(`job="${service.metadata.name}"`),
  );
});

test("compose runs Prometheus, Alertmanager and Grafana on these files; Prometheus scrapes every gateway; Alertmanager calls the gateway's webhook", () => {
  const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
    secrets: Record<string, unknown>;
  };
  for (const name of ['prometheus', 'alertmanager', 'grafana']) {
    const service = compose.services[name];
    assert.ok(service, `${name} service`);
    for (const volume of service.volumes ?? []) {
      const source = must(volume.split(':')[0], 'the volume source');
      if (source.startsWith('./')) assert.ok(existsSync(path.join(repoRoot, source)), `${name}: ${source} exists`);
    }
  }
  const gateways = Object.keys(compose.services).filter((n) => /^gateway-\d+$/.test(n));
  const config = parse(readFileSync(path.join(promDir, 'prometheus.yml'), 'utf8'));
  const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'stylesprint-gateway');
  const targets: string[] = job.static_configs.flatMap((s: { targets: string[] }) => s.targets);
  assert.deepEqual(
    targets.sort(),
    gateways.map((g) => `${g}:${compose.services[g]?.environment?.METRICS_PORT}`).sort(),
  );
  const am = parse(readFileSync(path.join(promDir, 'alertmanager.yml'), 'utf8'));
  const hook = am.receivers.find((r: { name: string }) => r.name === am.route.receiver).webhook_configs[0];
  assert.equal(new URL(hook.url).pathname, '/internal/alerts');
  assert.equal(hook.send_resolved, true);
  const [secret] = compose.services.alertmanager?.secrets ?? [];
  assert.ok(secret, 'alertmanager has a secret');
  assert.equal(hook.http_config.authorization.credentials_file, `/run/secrets/${secret}`);
  assert.ok(compose.secrets[secret]);
  const grafanaDashboards = compose.services.grafana?.volumes?.find((v) => v.includes('dashboards'));
  assert.match(grafanaDashboards ?? '', /^\.\/deploy\/grafana\/dashboards:/);
});
