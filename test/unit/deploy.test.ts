/** The Kubernetes manifests in deploy/kubernetes, parsed (the Dockerfile: dockerfile.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../helpers/paths.js';
import { must } from '../helpers/must.js';

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  ports: Array<{ name: string; containerPort: number }>;
  readinessProbe: Probe;
  livenessProbe: Probe;
  env: Array<{ name: string; value?: string }>;
  resources: { requests: Record<string, string | number>; limits: Record<string, string | number> };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; terminationGracePeriodSeconds: number };
}
/** The fields these tests read, of every kind they look at; each kind has only its own. */
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: {
    template: PodTemplate;
    selector: { matchLabels: Record<string, string> } & Record<string, unknown>;
    ports: Array<{ targetPort: string }>;
    scaleTargetRef: { name: string };
  };
  stringData: Record<string, string>;
  resources: string[];
}

const k8sDir = path.join(repoRoot, 'deploy', 'kubernetes');
const manifests = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8')).map((d) => ({
      file,
      doc: d.toJS() as Manifest | null,
    })),
  );
const ofKind = (kind: string) => manifests.flatMap(({ file, doc }) => (doc?.kind === kind ? [{ file, doc }] : []));
const oneOfKind = (kind: string) => must(ofKind(kind)[0], `a ${kind} manifest`);

test('Kubernetes: probes hit /readyz and /healthz on a declared port, the Service targets it, the GPU variant asks for a GPU', () => {
  const deployments = ofKind('Deployment');
  assert.deepEqual(deployments.map((d) => d.doc.metadata.name).sort(), [
    'stylesprint-gateway',
    'stylesprint-gateway-gpu',
  ]);
  for (const { file, doc } of deployments) {
    const container = must(doc.spec.template.spec.containers[0], `${file}'s first container`);
    const ports = new Map<string, number>(container.ports.map((p) => [p.name, p.containerPort]));
    assert.equal(ports.get('http'), 4000);
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    for (const { httpGet } of [container.readinessProbe, container.livenessProbe])
      assert.ok(
        typeof httpGet.port === 'string' ? ports.has(httpGet.port) : [...ports.values()].includes(httpGet.port),
      );
    const env = new Map(container.env.map((e) => [e.name, e.value]));
    assert.equal(Number(env.get('PORT')), ports.get('http'));
    assert.equal(Number(env.get('METRICS_PORT')), ports.get('metrics'));
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
    assert.deepEqual(
      doc.spec.selector.matchLabels,
      Object.fromEntries(Object.entries(doc.spec.template.metadata.labels)),
    );
    const graceMs = Number(env.get('SHUTDOWN_GRACE_MS'));
    assert.ok(
      doc.spec.template.spec.terminationGracePeriodSeconds * 1000 > graceMs + 5000,
      'the kubelet waits for the drain',
    );
  }
  const gpu = must(
    deployments.find((d) => d.file === 'deployment-gpu.yaml'),
    'deployment-gpu.yaml',
  ).doc.spec.template.spec.containers[0];
  assert.equal(gpu?.resources.limits['nvidia.com/gpu'], 1);

  const service = oneOfKind('Service');
  const cpuTemplate = must(
    deployments.find((d) => d.file === 'deployment.yaml'),
    'deployment.yaml',
  ).doc.spec.template;
  assert.ok(
    Object.entries(service.doc.spec.selector).every(([k, v]) => cpuTemplate.metadata.labels[k] === v),
    'the Service selects the pods',
  );
  assert.ok(cpuTemplate.spec.containers[0]?.ports.some((p) => p.name === service.doc.spec.ports[0]?.targetPort));

  const hpa = oneOfKind('HorizontalPodAutoscaler');
  assert.equal(hpa.doc.spec.scaleTargetRef.name, 'stylesprint-gateway');
  const pdb = oneOfKind('PodDisruptionBudget');
  assert.deepEqual(pdb.doc.spec.selector.matchLabels, cpuTemplate.metadata.labels);
});

test('Kubernetes: the Secret is a template with placeholders only', () => {
  const secrets = ofKind('Secret');
  assert.equal(secrets.length, 1);
  for (const value of Object.values(must(secrets[0], 'the Secret').doc.stringData)) assert.match(value, /REPLACE_ME/);
  const kustomization = must(
    manifests.find((m) => m.file === 'kustomization.yaml'),
    'kustomization.yaml',
  ).doc;
  assert.ok(!kustomization?.resources.includes('secret.template.yaml'));
});
