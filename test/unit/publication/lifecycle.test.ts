import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import {
  admit,
  checkVersion,
  DESCRIPTION_STATUSES,
  LIFECYCLE_ACTIONS,
  publishGate,
  systemActor,
  transition,
  type Actor,
  type DescriptionStatus,
  type LifecycleAction,
} from '../../../src/publication/lifecycle.js';
import { DescriptionStatus as StatusEnum } from '../../../schema/publication/status.type.js';
import { LifecycleAction as ActionEnum } from '../../../schema/publication/publication.type.js';

const editor: Actor = { kind: 'person', name: 'merch-1', role: 'editor' };
const system = systemActor('publish-policy:auto');

/** The state machine written out as the expected table: what each actor may do from each status, and where it leads. */
const EXPECTED: Record<
  'person' | 'system',
  Partial<Record<LifecycleAction, Partial<Record<DescriptionStatus, DescriptionStatus>>>>
> = {
  person: {
    APPROVE: { IN_REVIEW: 'APPROVED' },
    REJECT: { DRAFT: 'REJECTED', IN_REVIEW: 'REJECTED', APPROVED: 'REJECTED', PUBLISHED: 'REJECTED' },
    EDIT: {
      DRAFT: 'IN_REVIEW',
      IN_REVIEW: 'IN_REVIEW',
      APPROVED: 'IN_REVIEW',
      REJECTED: 'IN_REVIEW',
      PUBLISHED: 'PUBLISHED',
    },
    PUBLISH: { APPROVED: 'PUBLISHED', PUBLISHED: 'PUBLISHED' },
    UNPUBLISH: { PUBLISHED: 'APPROVED' },
    RECHECK: {
      DRAFT: 'DRAFT',
      IN_REVIEW: 'IN_REVIEW',
      APPROVED: 'APPROVED',
      PUBLISHED: 'PUBLISHED',
      REJECTED: 'REJECTED',
    },
  },
  system: {
    SUBMIT: { DRAFT: 'IN_REVIEW' },
    PUBLISH: { DRAFT: 'PUBLISHED' },
    SUPERSEDE: { PUBLISHED: 'SUPERSEDED', DRAFT: 'SUPERSEDED', IN_REVIEW: 'SUPERSEDED' },
  },
};

test('every action from every status, by a person and by the gateway: allowed moves land where the table says, the rest are INVALID_TRANSITION naming from and to', () => {
  let allowed = 0;
  for (const [kind, actor] of [
    ['person', editor],
    ['system', system],
  ] as const) {
    for (const action of LIFECYCLE_ACTIONS) {
      for (const from of DESCRIPTION_STATUSES) {
        const expected = EXPECTED[kind][action]?.[from];
        if (expected) {
          assert.equal(transition(action, from, actor), expected, `${kind} ${action} from ${from}`);
          allowed++;
          continue;
        }
        assert.throws(
          () => transition(action, from, actor),
          (e: unknown) => {
            assert.ok(e instanceof GraphQLError);
            assert.equal(e.extensions.code, 'BAD_USER_INPUT');
            assert.equal(e.extensions.reason, 'INVALID_TRANSITION');
            assert.equal(e.extensions.from, from);
            assert.equal(e.extensions.action, action);
            assert.ok(DESCRIPTION_STATUSES.includes(e.extensions.to as DescriptionStatus));
            assert.match(e.message, new RegExp(`\\(${from} → ${String(e.extensions.to)}\\)$`));
            return true;
          },
          `${kind} ${action} from ${from} must be refused`,
        );
      }
    }
  }
  assert.equal(allowed, 23);
});

test('refusals say why: a person may not publish a draft (only the policy may), nothing leaves SUPERSEDED', () => {
  assert.throws(() => transition('PUBLISH', 'DRAFT', editor), {
    message: 'only the gateway itself may publish a description that is DRAFT (DRAFT → PUBLISHED)',
  });
  assert.throws(() => transition('APPROVE', 'REJECTED', editor), {
    message: 'a description that is REJECTED cannot be approved (REJECTED → APPROVED)',
  });
  for (const action of LIFECYCLE_ACTIONS)
    assert.throws(() => transition(action, 'SUPERSEDED', editor), /INVALID_TRANSITION|cannot|only the gateway/);
});

test('a stale expectedVersion is STALE_VERSION with both versions; none or the current one passes', () => {
  checkVersion(undefined, 3);
  checkVersion(null, 3);
  checkVersion(3, 3);
  assert.throws(
    () => checkVersion(2, 3),
    (e: unknown) =>
      e instanceof GraphQLError &&
      e.extensions.reason === 'STALE_VERSION' &&
      e.extensions.expectedVersion === 2 &&
      e.extensions.currentVersion === 3,
  );
});

test('the publish gate: never a text cut by its token limit, a BLOCK only overridden with a note, PASS and REVIEW pass', () => {
  const block = {
    verdict: 'BLOCK' as const,
    complete: true,
    findings: [
      { code: 'MATERIAL_NOT_IN_RECORD', severity: 'BLOCK', message: 'silk is not in the record' },
      { code: 'CARE_CLAIM', severity: 'REVIEW', message: 'care' },
    ],
  };
  const reason = (fn: () => void) => {
    try {
      fn();
      return 'passed';
    } catch (e) {
      assert.ok(e instanceof GraphQLError);
      assert.equal(e.extensions.code, 'PUBLISH_BLOCKED');
      return String(e.extensions.reason);
    }
  };
  assert.equal(
    reason(() => publishGate({ ...block, verdict: 'PASS', complete: false }, { override: true, note: 'please' })),
    'INCOMPLETE',
  );
  assert.equal(
    reason(() => publishGate(block, { override: false, note: 'x' })),
    'CHECK_BLOCKED',
  );
  assert.equal(
    reason(() => publishGate(block, { override: true, note: '  ' })),
    'OVERRIDE_NEEDS_NOTE',
  );
  assert.equal(
    reason(() => publishGate(block, { override: true, note: 'the record is missing the silk lining' })),
    'passed',
  );
  assert.equal(
    reason(() => publishGate({ ...block, verdict: 'REVIEW' }, { override: false, note: null })),
    'passed',
  );
  assert.throws(
    () => publishGate(block, { override: false, note: null }),
    (e: unknown) =>
      e instanceof GraphQLError &&
      JSON.stringify(e.extensions.findings) ===
        JSON.stringify([{ code: 'MATERIAL_NOT_IN_RECORD', message: 'silk is not in the record' }]),
  );
});

test('the policy publishes only under auto, only a complete PASS, and never over a text a person published', () => {
  const base = { policy: 'auto' as const, verdict: 'PASS' as const, complete: true, livePublishedBy: null };
  assert.equal(admit(base), 'PUBLISHED');
  assert.equal(admit({ ...base, livePublishedBy: 'system' }), 'PUBLISHED');
  assert.equal(admit({ ...base, livePublishedBy: 'editor' }), 'IN_REVIEW');
  assert.equal(admit({ ...base, livePublishedBy: 'internal' }), 'IN_REVIEW');
  assert.equal(admit({ ...base, verdict: 'REVIEW' }), 'IN_REVIEW');
  assert.equal(admit({ ...base, verdict: 'BLOCK' }), 'IN_REVIEW');
  assert.equal(admit({ ...base, complete: false }), 'IN_REVIEW');
  assert.equal(admit({ ...base, policy: 'review' }), 'IN_REVIEW');
});

test("the API's enums are the lifecycle's statuses and actions", () => {
  assert.deepEqual(Object.values(StatusEnum), [...DESCRIPTION_STATUSES]);
  assert.deepEqual(Object.values(ActionEnum), [...LIFECYCLE_ACTIONS]);
});
