/** The Kubernetes manifests in deploy/kubernetes, parsed (the Dockerfile: dockerfile.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../helpers/paths.js';

const k8sDir = path.join(repoRoot, 'deploy', 'kubernetes');
const manifests = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as any })));
const ofKind = (kind: string) => manifests.filter((m) => m.doc?.kind === kind);

test('Kubernetes: probes hit /readyz and /healthz on a declared port, the Service targets it, the GPU variant asks for a GPU', () => {
  const deployments = ofKind('Deployment');
  assert.deepEqual(deployments.map((d) => d.doc.metadata.name).sort(), ['stylesprint-gateway', 'stylesprint-gateway-gpu']);
  for (const { doc } of deployments) {
    const container = doc.spec.template.spec.containers[0];
    const ports = new Map<string, number>(container.ports.map((p: any) => [p.name, p.containerPort]));
    assert.equal(ports.get('http'), 4000);
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe]) assert.ok(ports.has(probe.httpGet.port) || [...ports.values()].includes(probe.httpGet.port));
    const env = new Map(container.env.map((e: any) => [e.name, e.value]));
    assert.equal(Number(env.get('PORT')), ports.get('http'));
    assert.equal(Number(env.get('METRICS_PORT')), ports.get('metrics'));
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
    assert.deepEqual(doc.spec.selector.matchLabels, Object.fromEntries(Object.entries(doc.spec.template.metadata.labels)));
    const graceMs = Number(env.get('SHUTDOWN_GRACE_MS'));
    assert.ok(doc.spec.template.spec.terminationGracePeriodSeconds * 1000 > graceMs + 5000, 'the kubelet waits for the drain');
  }
  const gpu = deployments.find((d) => d.file === 'deployment-gpu.yaml')!.doc.spec.template.spec.containers[0];
  assert.equal(gpu.resources.limits['nvidia.com/gpu'], 1);

  const [service] = ofKind('Service');
  const cpuTemplate = deployments.find((d) => d.file === 'deployment.yaml')!.doc.spec.template;
  assert.ok(Object.entries(service!.doc.spec.selector).every(([k, v]) => cpuTemplate.metadata.labels[k] === v), 'the Service selects the pods');
  assert.ok(cpuTemplate.spec.containers[0].ports.some((p: any) => p.name === service!.doc.spec.ports[0].targetPort));

  const [hpa] = ofKind('HorizontalPodAutoscaler');
  assert.equal(hpa!.doc.spec.scaleTargetRef.name, 'stylesprint-gateway');
  const [pdb] = ofKind('PodDisruptionBudget');
  assert.deepEqual(pdb!.doc.spec.selector.matchLabels, cpuTemplate.metadata.labels);
});

test('Kubernetes: the Secret is a template with placeholders only', () => {
  const secrets = ofKind('Secret');
  assert.equal(secrets.length, 1);
  for (const value of Object.values(secrets[0]!.doc.stringData) as string[]) assert.match(value, /REPLACE_ME/);
  const kustomization = manifests.find((m) => m.file === 'kustomization.yaml')!.doc;
  assert.ok(!kustomization.resources.includes('secret.template.yaml'));
});
