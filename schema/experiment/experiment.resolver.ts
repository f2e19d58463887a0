import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import type { Assignment } from '../../src/experiments/experiment.service.js';
import { MAX_EVENTS_PER_CALL } from '../../src/experiments/event-input.js';
import { NotFoundError } from '../../src/errors/index.js';
import { Description } from '../description/description.type.js';
import {
  ConcludeExperimentResult,
  Experiment,
  ExperimentAnalysis,
  ExperimentAssignment,
  RecordEventsResult,
  type EventStatus,
} from './experiment.type.js';
import { CreateExperimentInput, DescriptionEventInput } from './experiment.input.js';
import { toAnalysis, toExperiment } from './experiment.mapper.js';
import { toBulkResult } from '../publication/publication.mappers.js';

@Resolver(() => Experiment)
export class ExperimentResolver {
  @Authorized('internal')
  @Query(() => Experiment, { nullable: true })
  async experiment(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<Experiment | null> {
    const record = await ctx.services.experiments.byId(id);
    return record ? toExperiment(record) : null;
  }

  @Authorized('internal')
  @Query(() => [Experiment], { description: 'Every experiment, oldest first.' })
  async experiments(@Ctx() ctx: GatewayContext): Promise<Experiment[]> {
    return (await ctx.services.experiments.list()).map(toExperiment);
  }

  @Authorized('internal')
  @FieldResolver(() => ExperimentAnalysis, {
    description: 'Per-variant rates with intervals, the comparison with the control, and the decision, as of now.',
  })
  async analysis(@Root() experiment: Experiment, @Ctx() ctx: GatewayContext): Promise<ExperimentAnalysis> {
    return toAnalysis(await ctx.services.experiments.report(experiment.id));
  }

  @Authorized('internal')
  @Mutation(() => Experiment, {
    description:
      'Starts an A/B test of published or approved descriptions, or of texts generated for it by a recipe; it runs at once. BAD_USER_INPUT with a reason for a bad design.',
  })
  async createExperiment(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => CreateExperimentInput) input: CreateExperimentInput,
  ): Promise<Experiment> {
    const requestedBy = ctx.principal ? { name: ctx.principal.name, role: ctx.principal.role } : undefined;
    return toExperiment(await ctx.services.experiments.create(input, requestedBy));
  }

  @Authorized('internal')
  @Mutation(() => Experiment, {
    description:
      'Stops assigning sessions (products show their usual text); events of sessions already in it still count.',
  })
  async pauseExperiment(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<Experiment> {
    return toExperiment(await ctx.services.experiments.pause(id));
  }

  @Authorized('internal')
  @Mutation(() => Experiment)
  async resumeExperiment(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<Experiment> {
    return toExperiment(await ctx.services.experiments.resume(id));
  }

  @Authorized('internal')
  @Mutation(() => ConcludeExperimentResult, {
    description:
      "Ends the experiment with a winner: winnerVariantId, else the analysis's, else the control. With publishWinner, the winner's approved texts are published through the lifecycle (the fact check rerun first), one result per text.",
  })
  async concludeExperiment(
    @Ctx() ctx: GatewayContext,
    @Arg('id', () => ID) id: string,
    @Arg('publishWinner', () => Boolean, { defaultValue: false }) publishWinner: boolean,
    @Arg('winnerVariantId', () => String, { nullable: true }) winnerVariantId: string | null,
  ): Promise<ConcludeExperimentResult> {
    if (!(await ctx.services.experiments.byId(id))) throw new NotFoundError('experiment', id);
    const actor = ctx.principal
      ? { kind: 'person' as const, name: ctx.principal.name, role: ctx.principal.role }
      : undefined;
    const { experiment, published } = await ctx.services.experiments.conclude(id, {
      publishWinner,
      winnerVariantId,
      ...(actor ? { actor } : {}),
    });
    return { experiment: toExperiment(experiment), published: published.map(toBulkResult) };
  }

  @Authorized('mobile')
  @Mutation(() => RecordEventsResult, {
    description: `Stores the app's events, idempotent by eventId; at most ${MAX_EVENTS_PER_CALL} per call. A bad event is REJECTED with a reason while the others are stored. Charged per event to the key's EVENT_RATE_LIMITS bucket (RATE_LIMITED when empty).`,
  })
  async recordEvents(
    @Ctx() ctx: GatewayContext,
    @Arg('events', () => [DescriptionEventInput]) events: DescriptionEventInput[],
  ): Promise<RecordEventsResult> {
    const results = await ctx.services.experiments.record(events, ctx.events);
    const count = (status: string) => results.filter((r) => r.status === status).length;
    return {
      accepted: count('ACCEPTED'),
      duplicates: count('DUPLICATE'),
      rejected: count('REJECTED'),
      results: results.map((r) => ({
        eventId: r.eventId,
        status: r.status as EventStatus,
        reason: 'reason' in r ? r.reason : null,
        message: 'message' in r ? r.message : null,
      })),
    };
  }
}

@Resolver(() => Description)
export class DescriptionExperimentResolver {
  @Authorized('mobile')
  @FieldResolver(() => ExperimentAssignment, {
    nullable: true,
    description:
      'The experiment and variant this text was served for (with Product.description(sessionId)); null outside any experiment.',
  })
  experiment(@Root() description: Description & { assignment?: Assignment }): ExperimentAssignment | null {
    return description.assignment ?? null;
  }
}
