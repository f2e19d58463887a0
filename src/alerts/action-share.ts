/**
 * Alert actions shared by every replica. Alertmanager's webhook reaches one
 * replica (the Service behind its URL picks one), but a demoted provider or
 * a switched policy must hold for the whole gateway, or most requests keep
 * going where the alert said not to. With Redis, the replica that takes the
 * webhook writes the actions into one hash and announces the change on a
 * channel; every replica keeps a mirror of the hash, reloaded whenever its
 * subscriber (re)connects, so a replica started while an alert fires, or
 * one that missed a message, acts on it too.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { closeRedis, redisKey } from '../redis.js';
import type { ActiveAction } from './types.js';

/** A change another replica (or this one) made: the actions in force for one alert, or none. */
export interface ShareChange {
  fingerprint: string;
  /** null: the alert resolved. */
  actions: ActiveAction[] | null;
}

/** Where replicas keep the actions in force. */
export interface ActionShare {
  /** Every alert's actions in force, by fingerprint. */
  load(): Promise<Map<string, ActiveAction[]>>;
  /** Records one alert's actions and tells the other replicas. */
  put(fingerprint: string, actions: ActiveAction[]): Promise<void>;
  /** Drops one alert's actions and tells the other replicas. */
  remove(fingerprint: string): Promise<void>;
  /**
   * Calls `onChange` for every change announced, and `onReload` with the
   * whole set each time the subscriber (re)connects (messages sent while it
   * was away are lost).
   */
  subscribe(
    onChange: (change: ShareChange) => void,
    onReload: (all: Map<string, ActiveAction[]>) => void,
  ): Promise<void>;
  close(): Promise<void>;
}

export interface RedisActionShareOptions {
  client: Redis;
  /** Key prefix (REDIS_PREFIX). */
  prefix: string;
  logger?: Logger;
}

/** The actions as the hash holds them; a value that does not parse is dropped with a warning. */
function parseActions(text: string, logger: Logger | undefined): ActiveAction[] | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as ActiveAction[]) : null;
  } catch (error) {
    logger?.warn({ err: error }, 'unreadable shared alert action');
    return null;
  }
}

/** The actions in a Redis hash `prefix:alert-actions`, changes on `prefix:alert-actions:changes`. */
export function createRedisActionShare(options: RedisActionShareOptions): ActionShare {
  const { client, logger } = options;
  const hash = redisKey(options.prefix, 'alert-actions');
  const channel = redisKey(options.prefix, 'alert-actions', 'changes');
  let subscriber: Redis | null = null;

  const load = async (): Promise<Map<string, ActiveAction[]>> => {
    const all = new Map<string, ActiveAction[]>();
    for (const [fingerprint, text] of Object.entries(await client.hgetall(hash))) {
      const actions = parseActions(text, logger);
      if (actions) all.set(fingerprint, actions);
    }
    return all;
  };

  return {
    load,
    async put(fingerprint, actions) {
      await client
        .multi()
        .hset(hash, fingerprint, JSON.stringify(actions))
        .publish(channel, JSON.stringify({ fingerprint, actions }))
        .exec();
    },
    async remove(fingerprint) {
      await client
        .multi()
        .hdel(hash, fingerprint)
        .publish(channel, JSON.stringify({ fingerprint, actions: null }))
        .exec();
    },
    async subscribe(onChange, onReload) {
      const sub = client.duplicate({ connectionName: 'stylesprint-alert-actions' });
      subscriber = sub;
      sub.on('message', (from: string, text: string) => {
        if (from !== channel) return;
        try {
          const change = JSON.parse(text) as ShareChange;
          if (typeof change.fingerprint === 'string')
            onChange({
              fingerprint: change.fingerprint,
              actions: Array.isArray(change.actions) ? change.actions : null,
            });
        } catch (error) {
          logger?.warn({ err: error }, 'unreadable alert action change');
        }
      });
      const reload = (): void => {
        load().then(onReload, (error: unknown) => logger?.warn({ err: error }, 'shared alert actions not reloaded'));
      };
      await sub.subscribe(channel);
      onReload(await load());
      // Registered once connected and loaded, so only a reconnect reloads (messages sent while away are lost).
      sub.on('ready', reload);
    },
    async close() {
      if (subscriber) await closeRedis(subscriber);
      await closeRedis(client);
    },
  };
}
