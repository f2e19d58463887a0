/**
 * The publication bus on a real Redis (TEST_REDIS_URL; skipped loudly
 * without): a notice emitted by one bus reaches another's listeners, and a
 * dropped subscription is told to onNoticesLive (false, then true once
 * subscribed again), after which notices arrive again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createPublicationBus, type PublicationNotice } from '../../../src/publication/publication-bus.js';
import { createTestRedis, skipWithoutRedis } from '../../helpers/redis.js';

const notice = (descriptionId: string): PublicationNotice => ({
  type: 'PUBLISHED',
  descriptionId,
  productId: 'p1',
  locale: 'en',
  channel: 'web',
  segment: '',
  version: 1,
  text: 'a text',
  supersededId: null,
  actorName: 'merch-1',
  actorRole: 'editor',
  note: null,
  at: new Date(0).toISOString(),
});

/** Resolves once `check` holds, testing after each event the caller reports through the returned poke. */
function until(check: () => boolean): { poke: () => void; done: Promise<void> } {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const poke = () => check() && resolve();
  return { poke, done };
}

test('a dropped subscription is reported as a gap and, once resubscribed, as live; notices from another bus arrive after it', async (t) => {
  const r = await createTestRedis();
  if (!r.ok) return skipWithoutRedis(t, r.reason);
  const client = new Redis(r.redis.url);
  let subscriber: Redis | undefined;
  const duplicate = client.duplicate.bind(client);
  // The bus's subscription is the duplicate of the client it is given: keep it, to drop its connection.
  client.duplicate = (options) => (subscriber = duplicate(options));
  const listening = await createPublicationBus({ redis: client, prefix: r.redis.prefix });
  const sending = await createPublicationBus({ redis: new Redis(r.redis.url), prefix: r.redis.prefix });
  try {
    const live: boolean[] = [];
    const heard: string[] = [];
    const back = until(() => live.length === 2);
    listening.onNoticesLive((l) => (live.push(l), back.poke()));
    const second = until(() => heard.includes('after the gap'));
    listening.onPublished((n) => (heard.push(n.descriptionId), second.poke()));

    assert.ok(subscriber);
    subscriber.disconnect(true);
    await back.done;
    assert.deepEqual(live, [false, true]);
    sending.emit(notice('after the gap'));
    await second.done;
    assert.deepEqual(heard, ['after the gap']);
  } finally {
    await listening.close();
    await sending.close();
    await r.redis.drop();
  }
});
