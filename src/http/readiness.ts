/**
 * What /readyz answers, and what the gateway_ready gauge reads: the
 * database is open, no model is still loading, and no drain has begun.
 */
import type { Services } from '../services.js';
import type { Storage } from '../storage/types.js';

export interface ReadinessSources {
  storage: Pick<Storage, 'isOpen'>;
  registry: Pick<Services['registry'], 'loading' | 'generatorIds'>;
  /** True once close() began. */
  draining: () => boolean;
}

export interface Readiness {
  ready: boolean;
  /** The /readyz body: status, the reason while a model loads, and the checks. */
  body: Record<string, unknown>;
}

/** A Hub model (LOCAL_MODEL) loads after the server listens: until it has, the replica is not ready and says why. */
export async function readiness({ storage, registry, draining }: ReadinessSources): Promise<Readiness> {
  const database = storage.isOpen();
  const loading = await registry.loading();
  const isDraining = draining();
  const ready = database && !isDraining && loading.length === 0;
  const providers = registry.generatorIds();
  const reason = loading.map((p) => `${p.id}: ${p.status}`).join('; ');
  return {
    ready,
    body: {
      status: ready ? 'ready' : isDraining ? 'draining' : 'not_ready',
      ...(reason ? { reason } : {}),
      checks: { database, providers },
    },
  };
}
