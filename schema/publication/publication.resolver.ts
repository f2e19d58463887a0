import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { GatewayError, ErrorCode, NotFoundError } from '../../src/errors/index.js';
import { MAX_PAGE_SIZE, pageSizeError } from '../../src/limits/page-size.js';
import type { Actor } from '../../src/publication/lifecycle.js';
import { DESCRIPTION_STATUSES } from '../../src/publication/lifecycle.js';
import type { PublicationNotice as Notice } from '../../src/publication/index.js';
import { checkChannel, DEFAULT_LOCALE } from '../../src/publication/slot.js';
import type { QueueFilter } from '../../src/storage/publication-types.js';
import { decodeCursor, encodeCursor } from '../../src/catalog/product.service.js';
import { DESCRIPTION_PUBLISHED } from '../../src/pubsub.js';
import { Product } from '../product/product.type.js';
import { Description } from '../description/description.type.js';
import { DescriptionStatus } from './status.type.js';
import {
  DescriptionHistoryEntry,
  LifecycleResult,
  PublicationNotice,
  ReviewQueueConnection,
  type LifecycleError,
} from './publication.type.js';
import { DescriptionSlotInput, ReviewQueueFilterInput } from './publication.input.js';
import { describeEntry, toBulkResult, toHistory, toNotice } from './publication.mappers.js';

const QUEUE_CURSOR = 'review:';

/** The notices `keep` accepts, as they arrive. */
async function* only(notices: AsyncIterable<Notice>, keep: (notice: Notice) => boolean): AsyncGenerator<Notice> {
  for await (const notice of notices) if (keep(notice)) yield notice;
}

function personOf(ctx: GatewayContext): Actor {
  const principal = ctx.principal;
  // authChecker has refused a request without one before any of these resolvers runs.
  if (!principal)
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'an API key is required: send Authorization: Bearer <key>');
  return { kind: 'person', name: principal.name, role: principal.role };
}

@Resolver()
export class PublicationResolver {
  @Authorized('editor')
  @Query(() => ReviewQueueConnection, {
    description:
      'Descriptions waiting for the content team (by default IN_REVIEW), oldest first, with counts per status.',
  })
  async reviewQueue(
    @Ctx() ctx: GatewayContext,
    @Arg('filter', () => ReviewQueueFilterInput, { nullable: true }) filter: ReviewQueueFilterInput | null,
    @Arg('first', () => Int, { defaultValue: 20, description: `Page size, 0 to ${MAX_PAGE_SIZE}.` }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ReviewQueueConnection> {
    const pageSize = pageSizeError('first', first);
    if (pageSize) throw pageSize;
    const afterSeq = after ? decodeCursor(after, QUEUE_CURSOR) : null;
    const statuses = filter?.status?.length ? filter.status : [DescriptionStatus.IN_REVIEW];
    const clean: QueueFilter = {
      statuses,
      verdicts: filter?.verdict ?? null,
      productId: filter?.productId ?? null,
      category: filter?.category?.trim() || null,
      provider: filter?.provider?.trim() || null,
      model: filter?.model?.trim() || null,
      locale: filter?.locale?.trim() || null,
      channel: filter?.channel?.trim() || null,
    };
    const publication = ctx.services.publication;
    const [page, counts] = await Promise.all([
      publication.queue(clean, first, afterSeq),
      publication.countByStatus(clean),
    ]);
    const edges = page.rows.map((entry) => ({
      cursor: encodeCursor(entry.state.seq, QUEUE_CURSOR),
      node: describeEntry(entry),
    }));
    return {
      edges,
      totalCount: statuses.reduce((sum, s) => sum + counts[s], 0),
      counts: DESCRIPTION_STATUSES.map((s) => ({ status: DescriptionStatus[s], count: counts[s] })),
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: afterSeq !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  @Authorized('editor')
  @Query(() => [DescriptionHistoryEntry], {
    description:
      'Every description of the product (or of one slot), newest first, with its versions, word-level diffs between them, and who changed what and when.',
  })
  async descriptionHistory(
    @Ctx() ctx: GatewayContext,
    @Arg('productId', () => ID) productId: string,
    @Arg('slot', () => DescriptionSlotInput, { nullable: true }) slot: DescriptionSlotInput | null,
  ): Promise<DescriptionHistoryEntry[]> {
    if (!(await ctx.loaders.productById.load(productId))) throw new NotFoundError('product', productId);
    const where = slot
      ? {
          locale: slot.locale?.trim() || DEFAULT_LOCALE,
          channel: checkChannel(slot.channel),
          segment: slot.segment?.trim().toLowerCase() ?? '',
        }
      : null;
    return toHistory(await ctx.services.publication.history(productId, where));
  }

  @Authorized('editor')
  @Mutation(() => Description, {
    description: 'IN_REVIEW → APPROVED. With expectedVersion, refused (STALE_VERSION) when the text changed since.',
  })
  async approveDescription(
    @Ctx() ctx: GatewayContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
  ): Promise<Description> {
    return describeEntry(await ctx.services.publication.approve(id, personOf(ctx), { note, expectedVersion }));
  }

  @Authorized('editor')
  @Mutation(() => Description, {
    description: 'Turns a text down, with a reason; a published one leaves its slot at once.',
  })
  async rejectDescription(
    @Ctx() ctx: GatewayContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason') reason: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
  ): Promise<Description> {
    return describeEntry(await ctx.services.publication.reject(id, personOf(ctx), { reason, expectedVersion }));
  }

  @Authorized('editor')
  @Mutation(() => Description, {
    description:
      'Stores the text as the next version, with its fact check rerun, and puts it in review; the edit of a published text stays unpublished (the live version stays live) until it is published. expectedVersion is the version the editor started from: STALE_VERSION when another edit came first.',
  })
  async editDescription(
    @Ctx() ctx: GatewayContext,
    @Arg('id', () => ID) id: string,
    @Arg('text') text: string,
    @Arg('expectedVersion', () => Int) expectedVersion: number,
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<Description> {
    return describeEntry(await ctx.services.publication.edit(id, personOf(ctx), { text, expectedVersion, note }));
  }

  @Authorized('editor')
  @Mutation(() => Description, {
    description:
      "Publishes an APPROVED text (or a published text's newer version) in its slot, superseding the slot's last one; shoppers see it from the next read. The fact check is rerun first: PUBLISH_BLOCKED (reason INCOMPLETE) for a text cut by its token limit, and (reason CHECK_BLOCKED) for a BLOCK verdict unless override is true with a note.",
  })
  async publishDescription(
    @Ctx() ctx: GatewayContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Arg('override', () => Boolean, {
      defaultValue: false,
      description: 'Publish despite a BLOCK verdict (needs a note saying why).',
    })
    override: boolean,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
  ): Promise<Description> {
    return describeEntry(
      await ctx.services.publication.publish(id, personOf(ctx), { note, override, expectedVersion }),
    );
  }

  @Authorized('editor')
  @Mutation(() => Description, {
    description: 'PUBLISHED → APPROVED: the slot falls back to its base text, or the human reference.',
  })
  async unpublishDescription(
    @Ctx() ctx: GatewayContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<Description> {
    return describeEntry(await ctx.services.publication.unpublish(id, personOf(ctx), { note }));
  }

  @Authorized('editor')
  @Mutation(() => [LifecycleResult], {
    description:
      'Approves each complete text whose check passed; one result per id, in order (NOT_PASSED for the others). At most 100 ids.',
  })
  async bulkApproveDescriptions(
    @Ctx() ctx: GatewayContext,
    @Arg('ids', () => [ID]) ids: string[],
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<Array<Description | LifecycleError>> {
    return (await ctx.services.publication.bulkApprove(ids, personOf(ctx), note)).map(toBulkResult);
  }

  @Authorized('editor')
  @Mutation(() => [LifecycleResult], {
    description:
      'Publishes each approved text whose check, rerun now, passes; one result per id, in order. At most 100 ids.',
  })
  async bulkPublishDescriptions(
    @Ctx() ctx: GatewayContext,
    @Arg('ids', () => [ID]) ids: string[],
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<Array<Description | LifecycleError>> {
    return (await ctx.services.publication.bulkPublish(ids, personOf(ctx), note)).map(toBulkResult);
  }

  @Authorized('editor')
  @Mutation(() => [LifecycleResult], {
    description:
      "Reruns the fact check of each text's current version with the vocabulary in use now and stores the verdict; statuses stay (a published text that now blocks stays live for a person to decide). One result per id, in order. At most 100 ids.",
  })
  async recheckDescriptions(
    @Ctx() ctx: GatewayContext,
    @Arg('ids', () => [ID]) ids: string[],
  ): Promise<Array<Description | LifecycleError>> {
    return (await ctx.services.publication.recheck(ids, personOf(ctx))).map(toBulkResult);
  }

  @Authorized('mobile')
  @Subscription(() => PublicationNotice, {
    description:
      'Each publish and unpublish, on whichever replica (or worker) it happened; optionally of one product or channel.',
    subscribe: ({ args, context }) => {
      const { productId, channel } = args as { productId?: string | null; channel?: string | null };
      const notices = (context as GatewayContext).services.pubSub.subscribe(
        DESCRIPTION_PUBLISHED,
      ) as AsyncIterable<Notice>;
      return only(notices, (n) => (!productId || n.productId === productId) && (!channel || n.channel === channel));
    },
  })
  descriptionPublished(
    @Root() notice: Notice,
    @Arg('productId', () => ID, { nullable: true }) _productId: string | null,
    @Arg('channel', () => String, { nullable: true }) _channel: string | null,
  ): PublicationNotice {
    return toNotice(notice);
  }
}

@Resolver(() => Description)
export class DescriptionProductResolver {
  @Authorized('mobile')
  @FieldResolver(() => Product, { nullable: true, description: "The description's product record." })
  product(@Root() description: Description, @Ctx() ctx: GatewayContext): Promise<Product | null> {
    return ctx.loaders.productById.load(description.productId);
  }
}
