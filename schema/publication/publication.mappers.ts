/** From the publication store's records to the API's types. Pure. */
import type { BulkOutcome, PublicationNotice as Notice } from '../../src/publication/index.js';
import { wordDiff } from '../../src/publication/word-diff.js';
import type {
  EventRecord,
  HistoryRecords,
  PublicationEntry,
  StoredFinding,
  VersionRecord,
} from '../../src/storage/publication-types.js';
import { toDescription } from '../../src/descriptions/description.service.js';
import { DescriptionSource } from '../../src/descriptions/types.js';
import { CheckSeverity, CheckVerdict } from '../../src/evaluation/check.service.js';
import type { Description } from '../description/description.type.js';
import type { CheckFinding } from '../check/check.type.js';
import { DescriptionStatus } from './status.type.js';
import {
  DiffOp,
  LifecycleAction,
  PublicationChange,
  type DescriptionHistoryEntry,
  type DescriptionVersion,
  type LifecycleError,
  type LifecycleEvent,
  type PublicationNotice,
} from './publication.type.js';

export const describeEntry = (entry: PublicationEntry): Description =>
  toDescription(entry.description, DescriptionSource.CACHED, false, entry);

// Typed as a lookup that can miss: a stored severity is text, and one this version does not know reads as REVIEW.
const SEVERITY_BY_NAME: Partial<Record<string, CheckSeverity>> = CheckSeverity;

export const toFinding = (f: StoredFinding): CheckFinding => ({
  code: f.code,
  severity: SEVERITY_BY_NAME[f.severity] ?? CheckSeverity.REVIEW,
  start: f.start,
  end: f.end,
  message: f.message,
  expected: f.expected,
});

export function toEvent(e: EventRecord): LifecycleEvent {
  return {
    descriptionId: e.descriptionId,
    action: LifecycleAction[e.action],
    from: e.from ? DescriptionStatus[e.from] : null,
    to: DescriptionStatus[e.to],
    version: e.version,
    actor: { name: e.actorName, role: e.actorRole },
    note: e.note,
    at: e.createdAt,
  };
}

function toVersion(v: VersionRecord, previous: VersionRecord | undefined): DescriptionVersion {
  return {
    version: v.version,
    text: v.text,
    author: { name: v.authorName, role: v.authorRole },
    createdAt: v.createdAt,
    verdict: v.check ? CheckVerdict[v.check.verdict] : null,
    findings: (v.check?.findings ?? []).map(toFinding),
    note: v.note,
    diff: previous ? wordDiff(previous.text, v.text).map((s) => ({ op: DiffOp[s.op], text: s.text })) : [],
  };
}

/** Newest description first; each with its versions (oldest first, each diffed against the one before) and its events. */
export function toHistory(records: HistoryRecords): DescriptionHistoryEntry[] {
  return records.entries
    .map((entry) => {
      const id = entry.state.descriptionId;
      const versions = records.versions.filter((v) => v.descriptionId === id);
      return {
        description: describeEntry(entry),
        versions: versions.map((v, i) => toVersion(v, versions[i - 1])),
        events: records.events.filter((e) => e.descriptionId === id).map(toEvent),
      };
    })
    .reverse();
}

export function toBulkResult(outcome: BulkOutcome): Description | LifecycleError {
  if (outcome.ok) return describeEntry(outcome.entry);
  const reason = outcome.error.extensions.reason;
  return {
    id: outcome.id,
    code: outcome.error.code,
    reason: typeof reason === 'string' ? reason : null,
    message: outcome.error.message,
  };
}

export function toNotice(n: Notice): PublicationNotice {
  return {
    type: PublicationChange[n.type],
    descriptionId: n.descriptionId,
    productId: n.productId,
    slot: { locale: n.locale, channel: n.channel, segment: n.segment },
    version: n.version,
    text: n.text,
    supersededId: n.supersededId,
    actor: { name: n.actorName, role: n.actorRole },
    at: n.at,
  };
}
