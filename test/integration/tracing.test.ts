import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { ATTR, NO_TRACING, startTracing } from '../../src/observability/tracing.js';
import { dataOf } from '../helpers/graphql.js';

/** An OTLP/HTTP collector on port 0: keeps every body POSTed to /v1/traces. */
interface Collector {
  url: string;
  bodies: Array<{ contentType: string; text: string }>;
  close(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const bodies: Collector['bodies'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      bodies.push({ contentType: req.headers['content-type'] ?? '', text });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}

function spansOf(collector: Collector): { spans: OtlpSpan[]; serviceNames: string[] } {
  const spans: OtlpSpan[] = [];
  const serviceNames: string[] = [];
  for (const { text } of collector.bodies) {
    const body = JSON.parse(text) as {
      resourceSpans: Array<{
        resource: { attributes: OtlpSpan['attributes'] };
        scopeSpans: Array<{ spans: OtlpSpan[] }>;
      }>;
    };
    for (const rs of body.resourceSpans) {
      for (const a of rs.resource.attributes)
        if (a.key === 'service.name' && a.value.stringValue) serviceNames.push(a.value.stringValue);
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
  }
  return { spans, serviceNames };
}

const attr = (span: OtlpSpan, key: string): string | number | undefined => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

/** One operation over graphql-ws with the personalization key; resolves with the errors (if any) once it ends. */
function overWs(server: TestServer, query: string, variables: Record<string, unknown>): Promise<unknown[]> {
  const client = createClient({
    url: server.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.personalization}` },
    retryAttempts: 0,
    lazy: true,
  });
  const errors: unknown[] = [];
  return new Promise<unknown[]>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (e) => void (e.errors && errors.push(...e.errors)),
        error: (error) => (Array.isArray(error) ? resolve(error) : reject(error)),
        complete: () => resolve(errors),
      },
    );
  }).finally(() => client.dispose());
}

// regenerate: GENERATE stores a description for the product first, which the stream would otherwise replay.
const STREAM =
  'subscription Stream($id: ID!) { descriptionStream(productId: $id, provider: "openai", regenerate: true) { type } }';
const GENERATE =
  'mutation Generate($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }';

let fake: FakeOpenAI;
let collector: Collector;
let server: TestServer;
let stopped = false;

before(async () => {
  fake = await startFakeOpenAI();
  collector = await startCollector();
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    otelExporterOtlpEndpoint: collector.url,
    otelServiceName: 'tracing-test-gateway',
  });
});
after(async () => {
  if (!stopped) await server.stop();
  await fake.close();
  await collector.close();
});

test('without an endpoint, tracing is off (NO_TRACING)', async () => {
  assert.equal(await startTracing({}), NO_TRACING);
  assert.equal(await startTracing({ endpoint: undefined, serviceName: 'x' }), NO_TRACING);
});

test('HTTP requests and graphql-ws operations export a span each, parent of their provider spans; closing flushes them', async () => {
  const products = await server.gql<{ products: { edges: Array<{ node: { id: string } }> } }>(
    '{ products(first: 2) { edges { node { id } } } }',
    {},
    bearer(TEST_KEYS.personalization),
  );
  const ids = dataOf(products).products.edges.map((e) => e.node.id);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': 'trace-test-1',
      ...bearer(TEST_KEYS.personalization),
    },
    body: JSON.stringify({ query: GENERATE, variables: { input: ids.map((productId) => ({ productId })) } }),
  });
  const body = (await response.json()) as { errors?: unknown[] };
  assert.equal(response.status, 200);
  assert.equal(body.errors, undefined);
  assert.ok(fake.count('chat.completions') >= 1);
  const prompt = JSON.stringify(
    (fake.lastCall('chat.completions')?.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content,
  );
  // graphql-ws: a stream that runs, and one refused by the depth limit.
  assert.deepEqual(await overWs(server, STREAM, { id: ids[0] }), []);
  const nest = (n: number): string => (n === 0 ? 'type' : `a { ${nest(n - 1)} }`);
  const refused = await overWs(
    server,
    `subscription Deep { descriptionStream(productId: "${ids[0]}") { ${nest(20)} } }`,
    {},
  );
  assert.ok(refused.length > 0);

  // The batch processor holds spans for seconds; close() must flush them.
  await server.stop();
  stopped = true;
  assert.ok(collector.bodies.length >= 1, 'the collector got an export');
  assert.ok(
    collector.bodies.every((b) => b.contentType.includes('application/json')),
    'OTLP/HTTP JSON',
  );
  const { spans, serviceNames } = spansOf(collector);
  assert.ok(serviceNames.includes('tracing-test-gateway'));

  const request = spans.find((s) => attr(s, ATTR.requestId) === 'trace-test-1');
  assert.ok(request, `request span among ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(request.name, 'graphql Generate');
  assert.equal(attr(request, ATTR.operationName), 'Generate');
  assert.equal(attr(request, ATTR.outcome), 'ok');
  assert.equal(request.parentSpanId || undefined, undefined, 'the request span is a root');

  const children = spans.filter((s) => s.name === 'provider.generate openai' && s.traceId === request.traceId);
  assert.ok(children.length >= 1, 'provider spans in the request trace');
  assert.equal(
    children.reduce((n, s) => n + Number(attr(s, ATTR.batchSize)), 0),
    ids.length,
    'every generation is in one of the provider spans',
  );
  for (const child of children) {
    assert.equal(child.parentSpanId, request.spanId);
    assert.equal(attr(child, ATTR.providerId), 'openai');
    assert.equal(typeof attr(child, ATTR.model), 'string');
    assert.equal(attr(child, ATTR.errorKind), undefined);
  }

  const stream = spans.find((s) => s.name === 'graphql Stream');
  assert.ok(stream, 'a span for the graphql-ws operation');
  assert.equal(attr(stream, ATTR.outcome), 'ok');
  assert.notEqual(stream.traceId, request.traceId);
  const streamChildren = spans.filter((s) => s.parentSpanId === stream.spanId);
  assert.ok(
    streamChildren.length >= 1 &&
      streamChildren.every((s) => s.name === 'provider.generate openai' && s.traceId === stream.traceId),
    "the stream's provider call is its child",
  );
  const deep = spans.find((s) => s.name === 'graphql Deep');
  assert.ok(deep, 'a refused operation still has its span');
  assert.equal(attr(deep, ATTR.outcome), 'error');
  assert.equal(spans.filter((s) => s.parentSpanId === deep.spanId).length, 0);

  // Identifiers only: no key, no prompt.
  const exported = collector.bodies.map((b) => b.text).join('\n');
  for (const key of Object.values(TEST_KEYS)) assert.ok(!exported.includes(key), 'no API key in the traces');
  assert.ok(prompt.length > 20 && !exported.includes(prompt.slice(1, -1)), 'no prompt in the traces');
});
