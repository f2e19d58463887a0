/**
 * One chunk of a catalog job: generate and store a description for each of
 * its products. Idempotent, because BullMQ may run a chunk again (a retry, or
 * a worker that died mid-chunk): a product already done for this job is
 * skipped, whether Redis recorded it or the crash came between the database
 * write and that record (the stored description carries `jobId`).
 */
import type { Personalization } from '../../providers/types.js';
import type { DescriptionService, GenerateItem } from '../descriptions/description.service.js';
import { personalizationKey } from '../descriptions/personalization.js';
import type { PromptVersion } from '../prompts/templates.js';
import type { Storage } from '../storage/types.js';
import type { JobStore } from './job-store.js';

/** What a BullMQ chunk job carries. */
export interface ChunkData {
  jobId: string;
  chunk: number;
  productIds: string[];
  policy: string;
  personalization: Personalization | null;
  promptVersion: PromptVersion;
  /** The slot's sales channel; chunks queued before channels existed have none (the default). */
  channel?: string;
}

export interface ChunkDeps {
  storage: Storage;
  descriptions: DescriptionService;
  jobs: JobStore;
}

export interface ChunkOutcome {
  done: number;
  failed: number;
  /** Products this job had already done (a repeated chunk). */
  skipped: number;
}

export async function processChunk(deps: ChunkDeps, data: ChunkData, signal?: AbortSignal): Promise<ChunkOutcome> {
  const flags = await deps.jobs.doneAmong(data.jobId, data.productIds);
  let pending = data.productIds.filter((_, i) => !flags[i]);
  const skippedBefore = data.productIds.length - pending.length;

  // Stored but not recorded (the worker died in between): record it now instead of writing it again.
  const personalization = data.personalization ?? undefined;
  const key = personalizationKey(personalization);
  const latest = await deps.storage.descriptions.latestDescriptions(
    pending.map((productId) => ({ productId, personalizationKey: key })),
  );
  const recovered = pending.filter((_, i) => latest[i]?.parameters.jobId === data.jobId);
  if (recovered.length) {
    await deps.jobs.record(data.jobId, recovered, []);
    pending = pending.filter((id) => !recovered.includes(id));
  }

  const products = await deps.storage.catalog.productsByIds(pending);
  const failed: Array<{ productId: string; message: string }> = [];
  const items: GenerateItem[] = [];
  pending.forEach((productId, i) => {
    const product = products[i];
    if (!product) failed.push({ productId, message: 'product not found (deleted since the job started)' });
    else
      items.push({
        product,
        policy: data.policy,
        personalization,
        params: {},
        promptVersion: data.promptVersion,
        jobId: data.jobId,
        bypassCache: true,
        // The drafts follow the publication policy like any generated text; their history names the job.
        requestedBy: { name: `catalog-job:${data.jobId}`, role: 'system' },
        ...(data.channel ? { channel: data.channel } : {}),
      });
  });
  const outcomes = items.length ? await deps.descriptions.generate(items, signal) : [];
  const done: string[] = [];
  outcomes.forEach((outcome, i) => {
    // generate() returns one outcome per item, in order.
    const item = items[i];
    if (item === undefined) throw new Error(`catalog job: ${outcomes.length} outcomes for ${items.length} items`);
    const productId = item.product.id;
    if (outcome.ok) done.push(productId);
    else failed.push({ productId, message: `${outcome.error.code}: ${outcome.error.message}` });
  });
  await deps.jobs.record(data.jobId, done, failed);
  return { done: done.length, failed: failed.length, skipped: skippedBefore + recovered.length };
}
