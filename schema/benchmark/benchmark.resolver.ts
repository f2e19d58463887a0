import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { BenchmarkRun } from './benchmark.type.js';
import { RunBenchmarkInput } from './benchmark.input.js';
import { toBenchmarkRun } from './benchmark.mapper.js';
import { toMetricNames } from '../evaluation/evaluation.type.js';

@Resolver(() => BenchmarkRun)
export class BenchmarkResolver {
  @Authorized('internal')
  @Mutation(() => BenchmarkRun, {
    description:
      'Starts an asynchronous benchmark run and returns it at once (PENDING); poll benchmarkRun(id) until COMPLETED or FAILED.',
  })
  async runBenchmark(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => RunBenchmarkInput) input: RunBenchmarkInput,
  ): Promise<BenchmarkRun> {
    return toBenchmarkRun(
      await ctx.services.benchmarks.start({ ...input, metrics: toMetricNames(input.metrics) ?? null }),
    );
  }

  @Authorized('internal')
  @Query(() => BenchmarkRun, { nullable: true })
  async benchmarkRun(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<BenchmarkRun | null> {
    const state = await ctx.services.benchmarks.get(id);
    return state ? toBenchmarkRun(state) : null;
  }
}
