import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { appRoot } from '../src/config.js';

/**
 * Writes deploy/kubernetes/prometheus-rule.yaml from the rules file
 * (`npm run monitoring:rule`), so the Prometheus Operator gets exactly the
 * rules that promtool tests.
 */
const rules: unknown = parse(
  readFileSync(path.join(appRoot, 'deploy', 'prometheus', 'rules', 'gateway.rules.yml'), 'utf8'),
);
const target = path.join(appRoot, 'deploy', 'kubernetes', 'prometheus-rule.yaml');
const head = [
  '# The rules of deploy/prometheus/rules/gateway.rules.yml for the Prometheus Operator,',
  '# written by `npm run monitoring:rule` (test/unit/monitoring.test.ts checks the two agree).',
  '# Apply it with service-monitor.yaml where the operator runs.',
  '',
].join('\n');
const doc = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'stylesprint-gateway', labels: { 'app.kubernetes.io/name': 'stylesprint-gateway' } },
  spec: rules,
};
writeFileSync(target, head + stringify(doc, { lineWidth: 0 }));
console.log(`wrote ${path.relative(appRoot, target)}`);
