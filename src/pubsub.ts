import { EventEmitter, on } from 'node:events';
import type { PubSub } from 'type-graphql';

/** Topic of catalog-job progress (JobService publishes, jobProgress subscribes); the job id is the topic id. */
export const JOB_PROGRESS = 'JOB_PROGRESS';
/** Topic of publication notices (the publication service's, from this process or relayed from another through Redis); descriptionPublished subscribes. */
export const DESCRIPTION_PUBLISHED = 'DESCRIPTION_PUBLISHED';

/**
 * In-process publish/subscribe for topic-based subscriptions (type-graphql's
 * PubSub shape). Subscriptions that stream their own source (descriptionStream)
 * do not use it.
 */
export function createInProcessPubSub(): PubSub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const key = (routingKey: string, dynamicId?: unknown) =>
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the ids handed here are a subscription's ID argument (a string)
    dynamicId === undefined ? routingKey : `${routingKey}:${String(dynamicId)}`;
  return {
    publish(routingKey: string, ...args: unknown[]) {
      const [first, second] = args;
      if (args.length > 1) emitter.emit(key(routingKey, first), second);
      else emitter.emit(routingKey, first);
    },
    subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
      const source = on(emitter, key(routingKey, dynamicId));
      return (async function* () {
        for await (const [payload] of source) yield payload;
      })();
    },
  };
}
