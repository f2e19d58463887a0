import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  /** Every product settled (see `failed` for those that could not be written). */
  COMPLETED = 'COMPLETED',
  /** Every product settled and none was written. */
  FAILED = 'FAILED',
}
registerEnumType(JobStatus, { name: 'JobStatus' });

@ObjectType({ description: 'A catalog-wide generation job, worked on in chunks by BullMQ workers.' })
export class Job {
  @Field(() => ID)
  id!: string;

  @Field(() => JobStatus)
  status!: JobStatus;

  @Field(() => Int, { description: 'Products in the job.' })
  total!: number;

  @Field(() => Int, { description: 'Products with a description stored by this job.' })
  done!: number;

  @Field(() => Int, { description: 'Products whose generation failed.' })
  failed!: number;

  @Field(() => Int, { description: 'Chunks the products were split into (JOB_CHUNK_SIZE each).' })
  chunks!: number;

  @Field()
  policy!: string;

  @Field()
  createdAt!: string;

  @Field(() => String, { nullable: true })
  startedAt!: string | null;

  @Field(() => String, { nullable: true })
  finishedAt!: string | null;
}
