import http from 'node:http';
import type { ServerResponse } from 'node:http';
import type { GatewayMetrics, LocalModelStats, MetricSources } from '../observability/metrics.js';
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
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics')
      return sendJson(res, 404, { error: 'not found' });
    serveMetrics(res, metrics).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/**
 * Scrape-time readings from the router (breakers), local providers (queue,
 * rows running, passes, tokens), the quality breaker, alert actions and
 * budgets.
 */
export function metricSources(
  services: Pick<Services, 'registry' | 'router' | 'quality' | 'alerts' | 'budgets' | 'publication'>,
  extra: Pick<MetricSources, 'localQueueCapacity' | 'ready'>,
): MetricSources {
  return {
    ...extra,
    quality: () => services.quality.statuses(),
    alertActions: () => services.alerts.active(),
    budgets: async () => (services.budgets ? services.budgets.readings() : []),
    publishedCache: () => services.publication.readCache?.counts ?? null,
    providerIds: () => services.registry.generatorIds(),
    breakerState: (id) => services.router.breakerState(id),
    localStats() {
      const out: Record<string, LocalModelStats> = {};
      for (const id of services.registry.generatorIds()) {
        const generator = services.registry.generator(id) as { stats?: () => Partial<LocalModelStats> } | undefined;
        const s = typeof generator?.stats === 'function' ? generator.stats() : undefined;
        if (typeof s?.queueDepth !== 'number') continue;
        out[id] = {
          queueDepth: s.queueDepth,
          runningItems: s.runningItems ?? 0,
          forwardPasses: s.forwardPasses ?? 0,
          generatedTokens: s.generatedTokens ?? 0,
          rejected: s.rejected ?? 0,
          abandoned: s.abandoned ?? 0,
        };
      }
      return out;
    },
  };
}
