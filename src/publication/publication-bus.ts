/**
 * Publication notices: every process that serves shoppers hears of each
 * publish and unpublish, wherever it happened. In process, listeners are
 * called at once; with Redis, each notice is also sent on one channel and
 * every other replica (and the gateways, for a job worker's publications)
 * calls its own listeners, as src/routing/redis-state-store.ts does for
 * breakers. A cache of published texts hooks in with `onPublished`.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { closeRedis, redisKey } from '../redis.js';

export interface PublicationNotice {
  /** PUBLISHED: the slot serves this description's `version` now; UNPUBLISHED: the slot serves nothing of it any more. */
  type: 'PUBLISHED' | 'UNPUBLISHED';
  descriptionId: string;
  productId: string;
  locale: string;
  channel: string;
  /** '' for the base text. */
  segment: string;
  version: number;
  /** The published text (null for UNPUBLISHED). */
  text: string | null;
  /** The description this publication replaced in the slot, if any. */
  supersededId: string | null;
  actorName: string;
  actorRole: string;
  note: string | null;
  at: string;
}

export type PublicationListener = (notice: PublicationNotice) => void;

export interface PublicationBus {
  /** Tells this process's listeners now, and the other processes' through Redis when there is one. */
  emit(notice: PublicationNotice): void;
  /** Calls `listener` for every notice, from this process or another; returns a function that stops it. */
  onPublished(listener: PublicationListener): () => void;
  /**
   * Calls `listener(false)` when the Redis subscription drops (notices from
   * other processes may be missed from then on) and `listener(true)` once it
   * is subscribed again. Never called without Redis.
   */
  onNoticesLive(listener: (live: boolean) => void): () => void;
  close(): Promise<void>;
}

export interface PublicationBusOptions {
  /** A Redis client for publishing; its `duplicate()` carries the subscription. Closed by `close()`. Default: none (this process only). */
  redis?: Redis;
  /** Key prefix of the channel (REDIS_PREFIX). Default "stylesprint". */
  prefix?: string;
  logger?: Logger;
}

interface Envelope {
  origin: string;
  notice: PublicationNotice;
}

/** Connects the subscription (with Redis) before answering, so no notice sent after start is missed. */
export async function createPublicationBus(options: PublicationBusOptions = {}): Promise<PublicationBus> {
  const { redis, logger } = options;
  const listeners = new Set<PublicationListener>();
  const liveListeners = new Set<(live: boolean) => void>();
  const tellLive = (live: boolean) => {
    for (const listener of liveListeners) listener(live);
  };
  const deliver = (notice: PublicationNotice) => {
    for (const listener of listeners) {
      try {
        listener(notice);
      } catch (error) {
        logger?.warn({ err: error, descriptionId: notice.descriptionId }, 'publication listener failed');
      }
    }
  };
  // Each process hears its own messages back: the origin tells them apart, and those were delivered at emit.
  const origin = randomUUID();
  const channel = redisKey(options.prefix ?? 'stylesprint', 'publications');
  const subscriber = redis?.duplicate({ connectionName: 'stylesprint-publications' });
  if (subscriber) {
    subscriber.on('message', (from: string, text: string) => {
      if (from !== channel) return;
      try {
        const envelope = JSON.parse(text) as Envelope;
        if (envelope.origin !== origin) deliver(envelope.notice);
      } catch (error) {
        logger?.warn({ err: error }, 'unreadable publication notice');
      }
    });
    await subscriber.subscribe(channel);
    watchSubscription(subscriber, channel, tellLive, logger);
  }
  return {
    emit(notice) {
      deliver(notice);
      redis?.publish(channel, JSON.stringify({ origin, notice } satisfies Envelope)).catch((error: unknown) => {
        logger?.warn(
          { err: error, descriptionId: notice.descriptionId },
          'publication notice not sent to the other replicas',
        );
      });
    },
    onPublished(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onNoticesLive(listener) {
      liveListeners.add(listener);
      return () => liveListeners.delete(listener);
    },
    async close() {
      listeners.clear();
      liveListeners.clear();
      if (subscriber) await closeRedis(subscriber);
      if (redis) await closeRedis(redis);
    },
  };
}

/**
 * After the first subscription: a dropped connection is a gap; when it is
 * back, ioredis resubscribes on its own, and our own SUBSCRIBE, answered
 * after that one on the same connection, says when notices arrive again.
 */
function watchSubscription(
  subscriber: Redis,
  channel: string,
  tellLive: (live: boolean) => void,
  logger: Logger | undefined,
): void {
  let live = true;
  subscriber.on('close', () => {
    if (!live) return;
    live = false;
    tellLive(false);
  });
  subscriber.on('ready', () => {
    if (live) return;
    subscriber.subscribe(channel).then(
      () => {
        if (live) return;
        live = true;
        tellLive(true);
      },
      (error: unknown) => logger?.warn({ err: error }, 'publication notices: resubscribing failed'),
    );
  });
}
