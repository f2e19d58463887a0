import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { BenchmarkRun } from './benchmark.type.js';
import { RunBenchmarkInput } from './benchmark.input.js';

@Resolver(() => BenchmarkRun)
export class BenchmarkResolver {
  @Authorized('internal')
  @Mutation(() => BenchmarkRun, {
    description: 'Starts an asynchronous benchmark run and returns it at once (PENDING); poll benchmarkRun(id) until COMPLETED or FAILED.',
  })
  runBenchmark(@Ctx() ctx: GatewayContext, @Arg('input', () => RunBenchmarkInput) input: RunBenchmarkInput): Promise<BenchmarkRun> {
    return ctx.services.benchmarks.start(input);
  }

  @Authorized('internal')
  @Query(() => BenchmarkRun, { nullable: true })
  benchmarkRun(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<BenchmarkRun | null> {
    return ctx.services.benchmarks.get(id);
  }
}
