import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventBatch, EventInput, EventType, ExperimentInput, Storage } from '../../../src/storage/types.js';
import { must } from '../../helpers/must.js';

/** How the suite reaches one backend; every `open()` opens the same database, empty the first time. */
export interface ExperimentStorageHarness {
  open(): Promise<Storage>;
}

const design = (productIds: string[], name = 'hero copy'): ExperimentInput => ({
  name,
  metric: 'ADD_TO_CART_RATE',
  allocation: 'FIXED',
  minSample: null,
  refreshSeconds: 3600,
  variants: [
    { id: 'control', name: 'A', weight: 1, descriptionIds: Object.fromEntries(productIds.map((p) => [p, `a-${p}`])) },
    { id: 'treatment', name: 'B', weight: 1, descriptionIds: Object.fromEntries(productIds.map((p) => [p, `b-${p}`])) },
  ],
  productIds,
});

let serial = 0;
const event = (
  type: EventType,
  sessionId: string,
  experimentId: string | null,
  variantId: string | null,
  eventId = `ev-${++serial}`,
): EventInput => ({
  eventId,
  type,
  sessionId,
  productId: 'p1',
  descriptionId: null,
  experimentId,
  variantId,
  occurredAt: '2026-12-07T10:00:00.000Z',
  value: type === 'PURCHASE' ? 49.5 : null,
});

const batchOf = (events: EventInput[], running: string[], bucket = 100): EventBatch => ({
  events,
  receivedAt: new Date(bucket * 3_600_000).toISOString(),
  bucket,
  conversions: new Map(running.map((id) => [id, 'ADD_TO_CART' as const])),
});

/** Totals per variant over every bucket. */
async function totals(storage: Storage, experimentId: string): Promise<Record<string, [number, number]>> {
  const out: Record<string, [number, number]> = {};
  for (const r of await storage.experiments.rollups(experimentId)) {
    const t = (out[r.variantId] ??= [0, 0]);
    t[0] += r.exposures;
    t[1] += r.conversions;
  }
  return out;
}

/** The behaviour every backend's experiment and event stores must have, as tests run in order on one database. Call inside a `describe`. */
export function experimentStorageSuite(h: ExperimentStorageHarness): void {
  let storage: Storage;
  before(async () => {
    storage = await h.open();
  });
  after(async () => {
    await storage.close();
  });

  test('experiments: create, read back, list, active per product, status and winner', async () => {
    const created = await storage.experiments.create(design(['p1', 'p2']));
    assert.equal(created.status, 'RUNNING');
    const read = await storage.experiments.byId(created.id);
    assert.deepEqual(read, created);
    assert.equal(await storage.experiments.byId('nope'), null);
    assert.deepEqual(
      (await storage.experiments.activeForProducts(['p2', 'p9'])).map((e) => e.id),
      [created.id],
    );
    assert.deepEqual(await storage.experiments.activeForProducts(['p9']), []);
    const concluded = must(
      await storage.experiments.setStatus(created.id, 'CONCLUDED', 'treatment'),
      'the concluded experiment',
    );
    assert.equal(concluded.status, 'CONCLUDED');
    assert.equal(concluded.winnerVariantId, 'treatment');
    assert.deepEqual(await storage.experiments.activeForProducts(['p1']), [], 'a concluded experiment assigns nobody');
    assert.ok((await storage.experiments.list()).some((e) => e.id === created.id));
    assert.equal(await storage.experiments.setStatus('nope', 'PAUSED', null), null);
  });

  test('events: idempotent by eventId within a batch and across batches, one outcome per event in order', async () => {
    const before = await storage.events.count();
    const a = event('CLICK', 's-idem', null, null, 'idem-1');
    const b = event('CLICK', 's-idem', null, null, 'idem-2');
    assert.deepEqual(await storage.events.record(batchOf([a, b, { ...a, type: 'PURCHASE' }], [])), [
      'inserted',
      'inserted',
      'duplicate',
    ]);
    assert.deepEqual(await storage.events.record(batchOf([b, a, event('CLICK', 's-idem', null, null, 'idem-3')], [])), [
      'duplicate',
      'duplicate',
      'inserted',
    ]);
    assert.equal(await storage.events.count(), before + 3);
  });

  test('roll-ups count sessions: one exposure per session, a conversion only with an impression, whatever the order', async () => {
    const { id } = await storage.experiments.create(design(['p1']));
    const running = [id];
    await storage.events.record(
      batchOf(
        [
          event('IMPRESSION', 's1', id, 'control'),
          event('IMPRESSION', 's1', id, 'control'),
          event('ADD_TO_CART', 's1', id, 'control'),
          event('ADD_TO_CART', 's1', id, 'control'),
          // Converts first, is exposed in the next batch: counted then.
          event('ADD_TO_CART', 's2', id, 'treatment'),
          // Never exposed: its conversion never counts.
          event('ADD_TO_CART', 's3', id, 'treatment'),
          event('IMPRESSION', 's4', id, 'treatment'),
          event('CLICK', 's4', id, 'treatment'),
        ],
        running,
      ),
    );
    assert.deepEqual(await totals(storage, id), { control: [1, 1], treatment: [1, 0] });
    // s2's impression comes an hour later, claiming another variant: the session keeps its first.
    await storage.events.record(
      batchOf([event('IMPRESSION', 's2', id, 'control'), event('IMPRESSION', 's1', id, 'control')], running, 101),
    );
    assert.deepEqual(await totals(storage, id), { control: [1, 1], treatment: [2, 1] });
    assert.deepEqual(await storage.experiments.rollups(id, 101), [
      { variantId: 'control', bucket: 100, exposures: 1, conversions: 1 },
      { variantId: 'treatment', bucket: 100, exposures: 1, conversions: 0 },
    ]);
    const sessions = ['s2', 's1', 'unseen'].map((sessionId) => ({ experimentId: id, sessionId }));
    assert.deepEqual(
      await storage.experiments.sessionVariants([...sessions, { experimentId: 'other', sessionId: 's1' }]),
      ['treatment', 'control', null, null],
    );
  });

  test('roll-ups: events of an experiment that is not running are stored but not counted', async () => {
    const { id } = await storage.experiments.create(design(['p1']));
    const before = await storage.events.count();
    await storage.events.record(
      batchOf([event('IMPRESSION', 's1', id, 'control'), event('ADD_TO_CART', 's1', id, 'control')], []),
    );
    assert.equal(await storage.events.count(), before + 2);
    assert.deepEqual(await storage.experiments.rollups(id), []);
  });

  test('concurrent batches over the same sessions count each session once', async () => {
    const { id } = await storage.experiments.create(design(['p1']));
    const sessions = Array.from({ length: 40 }, (_, i) => `c${i}`);
    // Every session's impression and add-to-cart, each sent twice, split over eight batches at once.
    const all = sessions.flatMap((s) => [
      event('IMPRESSION', s, id, 'control', `${id}-${s}-i`),
      event('ADD_TO_CART', s, id, 'control', `${id}-${s}-a`),
    ]);
    const batches = Array.from({ length: 8 }, (_, k) =>
      batchOf([...all.slice(k * 10, k * 10 + 10), ...all.slice(((k + 3) % 8) * 10, ((k + 3) % 8) * 10 + 10)], [id]),
    );
    const outcomes = (await Promise.all(batches.map((b) => storage.events.record(b)))).flat();
    assert.equal(outcomes.filter((o) => o === 'inserted').length, all.length);
    assert.deepEqual(await totals(storage, id), { control: [40, 40] });
  });

  test('events and roll-ups survive a restart, and a retried batch is counted once', async () => {
    const { id } = await storage.experiments.create(design(['p1']));
    const batch = batchOf(
      [event('IMPRESSION', 'r1', id, 'treatment'), event('ADD_TO_CART', 'r1', id, 'treatment')],
      [id],
    );
    await storage.events.record(batch);
    const count = await storage.events.count();
    await storage.close();
    storage = await h.open();
    assert.equal(await storage.events.count(), count);
    assert.deepEqual(await storage.events.record(batch), ['duplicate', 'duplicate']);
    assert.deepEqual(await totals(storage, id), { treatment: [1, 1] });
  });
}
