import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { BadUserInputError } from '../../src/errors/index.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import { ProductFilterInput } from '../product/product.input.js';
import { PersonalizationInput } from '../description/description.input.js';
import { normalizePersonalization } from '../../src/descriptions/personalization.js';
import { checkParams, ParamError } from '../../src/descriptions/params.js';
import { checkChannel } from '../../src/publication/slot.js';
import { Job, JobStatus } from './job.type.js';
import type { JobService } from '../../src/jobs/job.service.js';
import { JOB_PROGRESS } from '../../src/pubsub.js';

/** Policy used by regenerateCatalog unless one is named. */
export const CATALOG_POLICY = 'internal';

export const toJob = (r: JobRecord): Job => ({ ...r, status: r.status.toUpperCase() as JobStatus });

function jobsOf(ctx: GatewayContext): JobService {
  const jobs = ctx.services.jobs;
  if (!jobs)
    throw new BadUserInputError('catalog jobs need Redis: set REDIS_URL (see the README, Scale-out)', {
      reason: 'REDIS_REQUIRED',
    });
  return jobs;
}

@Resolver(() => Job)
export class JobResolver {
  @Authorized('internal')
  @Mutation(() => Job, {
    description:
      'Regenerates the description of every matching product in a background job (needs REDIS_URL); each text goes through the publication policy (PUBLISH_POLICY), as a draft for review or published. Follow it with job(id) or jobProgress(id).',
  })
  async regenerateCatalog(
    @Ctx() ctx: GatewayContext,
    @Arg('filter', () => ProductFilterInput, { nullable: true }) filter: ProductFilterInput | null,
    @Arg('policy', () => String, { nullable: true, description: `Routing policy; default "${CATALOG_POLICY}".` })
    policy: string | null,
    @Arg('personalization', () => PersonalizationInput, { nullable: true })
    personalization: PersonalizationInput | null,
    @Arg('channel', () => String, { nullable: true, description: 'Sales channel of the slots written; default "web".' })
    channel: string | null,
  ): Promise<Job> {
    const jobs = jobsOf(ctx);
    const slotChannel = checkChannel(channel);
    const chosen = policy ?? CATALOG_POLICY;
    if (!ctx.services.router.policyNames().includes(chosen)) {
      throw new BadUserInputError(
        `unknown routing policy ${JSON.stringify(chosen)} (known: ${ctx.services.router.policyNames().join(', ')})`,
      );
    }
    let promptVersion;
    try {
      promptVersion = checkParams(null, personalization).promptVersion;
    } catch (error) {
      if (error instanceof ParamError) throw error.toGraphQLError();
      throw error;
    }
    const record = await jobs.start({
      filter: filter ?? {},
      policy: chosen,
      personalization: normalizePersonalization(personalization),
      promptVersion,
      channel: slotChannel,
    });
    return toJob(record);
  }

  @Authorized('internal')
  @Query(() => Job, { nullable: true, description: 'A catalog job by id (kept a week after it finishes).' })
  async job(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<Job | null> {
    const record = await jobsOf(ctx).get(id);
    return record ? toJob(record) : null;
  }

  @Authorized('internal')
  @Subscription(() => Job, {
    description: 'The job after each chunk that finishes, from whichever worker ran it.',
    subscribe: ({ args, context }) =>
      (context as GatewayContext).services.pubSub.subscribe(JOB_PROGRESS, (args as { id: string }).id),
  })
  jobProgress(@Root() record: JobRecord, @Arg('id', () => ID) _id: string): Job {
    return toJob(record);
  }
}
