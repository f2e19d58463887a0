/**
 * The publication lifecycle as data: statuses, the actions that move a
 * description between them, and who may take each. Pure: the storage runs
 * what `plan()` decides inside its transaction, and the API turns a refusal
 * into a client error. See docs/publishing.md.
 */
import { BadUserInputError, ErrorCode, GatewayError } from '../errors/index.js';
import type { Role } from '../auth/roles.js';
import type { DescriptionStatus, LifecycleAction, Verdict } from './states.js';

export {
  DESCRIPTION_STATUSES,
  LIFECYCLE_ACTIONS,
  type DescriptionStatus,
  type LifecycleAction,
  type Verdict,
} from './states.js';

/** Who acts: a person's key (name and role), or the gateway itself (the publication policy, the start-up triage, a publish that supersedes). */
export type Actor = { kind: 'person'; name: string; role: Role } | { kind: 'system'; name: string };

/** The role recorded for the gateway's own actions. */
export const SYSTEM_ROLE = 'system';

export const systemActor = (name: string): Actor => ({ kind: 'system', name });
export const actorRole = (actor: Actor): string => (actor.kind === 'person' ? actor.role : SYSTEM_ROLE);

interface Transition {
  action: LifecycleAction;
  from: readonly DescriptionStatus[];
  /** `null`: the status stays (an edit of a published text, a recheck). */
  to: DescriptionStatus | null;
  by: 'person' | 'system' | 'both';
}

/**
 * Every allowed move. Anything else is INVALID_TRANSITION. Publishing from
 * DRAFT is the policy's (`auto`) alone: a person publishes what was approved.
 * A rejected text comes back only through an edit, which puts it in review.
 * CREATE is recorded when a state is stored, never run as a transition.
 */
export const TRANSITIONS: readonly Transition[] = [
  { action: 'SUBMIT', from: ['DRAFT'], to: 'IN_REVIEW', by: 'system' },
  { action: 'APPROVE', from: ['IN_REVIEW'], to: 'APPROVED', by: 'person' },
  { action: 'REJECT', from: ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED'], to: 'REJECTED', by: 'person' },
  { action: 'EDIT', from: ['DRAFT', 'IN_REVIEW', 'APPROVED', 'REJECTED'], to: 'IN_REVIEW', by: 'person' },
  // The live version stays live until the edited one is published.
  { action: 'EDIT', from: ['PUBLISHED'], to: null, by: 'person' },
  { action: 'PUBLISH', from: ['APPROVED', 'PUBLISHED'], to: 'PUBLISHED', by: 'person' },
  { action: 'PUBLISH', from: ['DRAFT'], to: 'PUBLISHED', by: 'system' },
  { action: 'UNPUBLISH', from: ['PUBLISHED'], to: 'APPROVED', by: 'person' },
  { action: 'SUPERSEDE', from: ['PUBLISHED', 'DRAFT', 'IN_REVIEW'], to: 'SUPERSEDED', by: 'system' },
  { action: 'RECHECK', from: ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED', 'REJECTED'], to: null, by: 'person' },
];

/** The status an action leads to, or a BAD_USER_INPUT with `reason: INVALID_TRANSITION` naming from and to. */
export function transition(action: LifecycleAction, from: DescriptionStatus, actor: Actor): DescriptionStatus {
  const allowed = TRANSITIONS.find(
    (t) => t.action === action && t.from.includes(from) && (t.by === 'both' || t.by === actor.kind),
  );
  if (allowed) return allowed.to ?? from;
  const any = TRANSITIONS.find((t) => t.action === action && t.from.includes(from));
  const to = TRANSITIONS.find((t) => t.action === action)?.to ?? from;
  const who = actor.kind === 'person' ? 'the gateway itself' : 'a person';
  const why = any
    ? `only ${who} may ${verb(action)} a description that is ${from}`
    : `a description that is ${from} cannot be ${pastTense(action)}`;
  throw new BadUserInputError(`${why} (${from} → ${to})`, { reason: 'INVALID_TRANSITION', action, from, to });
}

/** Optimistic concurrency: the caller names the version it saw; another edit since is STALE_VERSION. */
export function checkVersion(expected: number | null | undefined, current: number): void {
  if (expected === null || expected === undefined || expected === current) return;
  throw new BadUserInputError(
    `the description is at version ${current}, not ${expected}: reload it and apply your change again`,
    {
      reason: 'STALE_VERSION',
      expectedVersion: expected,
      currentVersion: current,
    },
  );
}

/** What the publish gate reads of the version to publish. */
export interface PublishCandidate {
  verdict: Verdict;
  /** False for a generation cut by its token limit (finish reason `length`). */
  complete: boolean;
  findings: ReadonlyArray<{ code: string; severity: string; message: string }>;
}

/**
 * Whether a person may publish this version, with the check just rerun: a
 * text cut by the token limit never (edit it instead); a BLOCK only when an
 * editor overrides it with a note; PASS and REVIEW yes (a person looked).
 * Refusals are PUBLISH_BLOCKED with a `reason` and the blocking findings.
 */
export function publishGate(candidate: PublishCandidate, override: { override: boolean; note: string | null }): void {
  if (!candidate.complete) {
    throw new GatewayError(
      ErrorCode.PUBLISH_BLOCKED,
      'this text was cut off by its token limit: edit it into a complete text before publishing',
      { reason: 'INCOMPLETE' },
    );
  }
  if (candidate.verdict !== 'BLOCK') return;
  if (override.override && override.note?.trim()) return;
  const blocking = candidate.findings
    .filter((f) => f.severity === 'BLOCK')
    .map((f) => ({ code: f.code, message: f.message }));
  throw new GatewayError(
    ErrorCode.PUBLISH_BLOCKED,
    override.override
      ? 'overriding a BLOCK verdict needs a note saying why'
      : `the fact check blocks this text (${blocking.map((f) => f.code).join(', ')}): fix it, or override with a note`,
    { reason: override.override ? 'OVERRIDE_NEEDS_NOTE' : 'CHECK_BLOCKED', findings: blocking },
  );
}

export type PublishPolicy = 'review' | 'auto';

/** What the policy reads when a generated text arrives in its slot. */
export interface Admission {
  policy: PublishPolicy;
  verdict: Verdict;
  complete: boolean;
  /** Role that published the slot's live text, or null when nothing is live. */
  livePublishedBy: string | null;
}

/**
 * Where a freshly generated text goes. `auto` publishes a complete text
 * that passed the check at once, unless a person published the slot's live
 * text: the policy never replaces a person's choice. Everything else waits
 * for review.
 */
export function admit(a: Admission): 'PUBLISHED' | 'IN_REVIEW' {
  const personLive = a.livePublishedBy !== null && a.livePublishedBy !== SYSTEM_ROLE;
  return a.policy === 'auto' && a.verdict === 'PASS' && a.complete && !personLive ? 'PUBLISHED' : 'IN_REVIEW';
}

const VERBS: Record<LifecycleAction, [string, string]> = {
  CREATE: ['create', 'created'],
  SUBMIT: ['submit', 'submitted for review'],
  APPROVE: ['approve', 'approved'],
  REJECT: ['reject', 'rejected'],
  EDIT: ['edit', 'edited'],
  PUBLISH: ['publish', 'published'],
  UNPUBLISH: ['unpublish', 'unpublished'],
  SUPERSEDE: ['supersede', 'superseded'],
  RECHECK: ['recheck', 'rechecked'],
};
const verb = (a: LifecycleAction) => VERBS[a][0];
const pastTense = (a: LifecycleAction) => VERBS[a][1];
