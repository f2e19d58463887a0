/**
 * The lifecycle's vocabulary as it is stored: statuses, actions and verdicts
 * (lifecycle.ts holds the rules over them). Imports nothing, so that the
 * storage types (src/storage/publication-types.ts) can name it without
 * reaching the roles, which name the storage types in turn.
 */
export const DESCRIPTION_STATUSES = ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED', 'REJECTED', 'SUPERSEDED'] as const;
export type DescriptionStatus = (typeof DESCRIPTION_STATUSES)[number];

export const LIFECYCLE_ACTIONS = [
  'CREATE',
  'SUBMIT',
  'APPROVE',
  'REJECT',
  'EDIT',
  'PUBLISH',
  'UNPUBLISH',
  'SUPERSEDE',
  'RECHECK',
] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

export type Verdict = 'PASS' | 'REVIEW' | 'BLOCK';
