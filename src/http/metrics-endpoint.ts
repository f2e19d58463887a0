import http from 'node:http';
import type { ServerResponse } from 'node:http';
import type { GatewayMetrics, MetricSources } from '../observability/metrics.js';
import type { Services } from '../services.js';
import { sendJson } from './respond.js';

/** Writes the Prometheus text exposition. */
export async function serveMetrics(res: ServerResponse, metrics: GatewayMetrics): Promise<void> {
  const { contentType, body } = await metrics.render();
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A listener that serves only `/metrics` (METRICS_PORT): it needs no key, so
 * it belongs on a port that only the cluster's Prometheus can reach.
 */
export async function startMetricsServer(port: number, host: string, metrics: GatewayMetrics): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') return sendJson(res, 404, { error: 'not found' });
    serveMetrics(res, metrics).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** Scrape-time readings from the router (breakers) and local providers (queue depth). */
export function metricSources(services: Pick<Services, 'registry' | 'router'>): MetricSources {
  return {
    providerIds: () => services.registry.generatorIds(),
    breakerState: (id) => services.router.breakerState(id),
    localQueueDepth() {
      const out: Record<string, number> = {};
      for (const id of services.registry.generatorIds()) {
        const generator = services.registry.generator(id) as { stats?: () => { queueDepth?: number } } | undefined;
        const depth = typeof generator?.stats === 'function' ? generator.stats().queueDepth : undefined;
        if (typeof depth === 'number') out[id] = depth;
      }
      return out;
    },
  };
}
