import DataLoader from 'dataloader';
import type { AssignmentKey, ExperimentService, Served } from './experiment.service.js';

/**
 * Per request: `Product.description(sessionId)` on a page of products asks
 * for all of the page's assignments in one batch, so the page costs the
 * same few reads as one product (ExperimentService.describeMany). Per
 * request, not shared: an experiment paused or a text rejected shows on the
 * next request.
 */
export function createAssignmentLoader(experiments: Pick<ExperimentService, 'describeMany'>) {
  return new DataLoader<AssignmentKey, Served | null, string>((keys) => experiments.describeMany(keys), {
    cacheKeyFn: (k) => `${k.productId}\u0000${k.sessionId}`,
  });
}
