/**
 * The checks of one reported event: a bad event is refused on its own, with
 * a stable reason, while the good ones of its batch are stored.
 */
import type { EventInput, EventType, ExperimentRecord } from '../storage/types.js';

/** Most events in one recordEvents call. */
export const MAX_EVENTS_PER_CALL = 500;
/** Longest client-made id (eventId, sessionId). */
export const MAX_CLIENT_ID_LENGTH = 128;
/** How far occurredAt may lie before the gateway's clock (apps batch offline) and after it (clock skew). */
export const OCCURRED_AT_WINDOW = Object.freeze({ pastMs: 7 * 86_400_000, futureMs: 3_600_000 });

export interface EventSpec {
  eventId: string;
  type: EventType;
  sessionId: string;
  productId: string;
  descriptionId?: string | null;
  experimentId?: string | null;
  variantId?: string | null;
  occurredAt: string;
  value?: number | null;
}

export type EventRefusal = { reason: string; message: string };

/** A client-made id (eventId, sessionId): printable ASCII without spaces, since ids travel in logs and URLs. */
export const isClientId = (value: string): boolean =>
  /^[\x21-\x7e]+$/.test(value) && value.length <= MAX_CLIENT_ID_LENGTH;

function checkIds(e: EventSpec): EventRefusal | null {
  for (const [field, value] of [
    ['eventId', e.eventId],
    ['sessionId', e.sessionId],
  ] as const) {
    if (!isClientId(value))
      return {
        reason: 'BAD_ID',
        message: `${field} must be 1 to ${MAX_CLIENT_ID_LENGTH} printable characters without spaces`,
      };
  }
  if (!e.productId) return { reason: 'BAD_ID', message: 'productId is empty' };
  return null;
}

function checkTimeAndValue(e: EventSpec, now: number): EventRefusal | null {
  const at = Date.parse(e.occurredAt);
  if (!/^\d{4}-\d\d-\d\dT/.test(e.occurredAt) || Number.isNaN(at))
    return {
      reason: 'BAD_OCCURRED_AT',
      message: `occurredAt ${JSON.stringify(e.occurredAt)} is not an ISO 8601 date-time`,
    };
  if (at < now - OCCURRED_AT_WINDOW.pastMs || at > now + OCCURRED_AT_WINDOW.futureMs) {
    return {
      reason: 'OCCURRED_AT_OUT_OF_RANGE',
      message: 'occurredAt is more than 7 days before or 1 hour after the gateway clock',
    };
  }
  const value = e.value ?? null;
  if (value !== null && !(Number.isFinite(value) && value >= 0))
    return { reason: 'BAD_VALUE', message: 'value must be a finite number ≥ 0' };
  return null;
}

function checkExperimentRef(e: EventSpec, experiment: ExperimentRecord | null | undefined): EventRefusal | null {
  const experimentId = e.experimentId ?? null;
  const variantId = e.variantId ?? null;
  if ((experimentId === null) !== (variantId === null))
    return {
      reason: 'VARIANT_WITHOUT_EXPERIMENT',
      message: 'experimentId and variantId go together: give both or neither',
    };
  if (experimentId === null) return null;
  if (!experiment)
    return { reason: 'UNKNOWN_EXPERIMENT', message: `experiment ${JSON.stringify(experimentId)} not found` };
  if (!experiment.variants.some((v) => v.id === variantId))
    return {
      reason: 'UNKNOWN_VARIANT',
      message: `experiment ${JSON.stringify(experimentId)} has no variant ${JSON.stringify(variantId)}`,
    };
  if (!experiment.productIds.includes(e.productId))
    return {
      reason: 'PRODUCT_NOT_IN_EXPERIMENT',
      message: `product ${JSON.stringify(e.productId)} is not in experiment ${JSON.stringify(experimentId)}`,
    };
  return null;
}

/** The event as stored, or why it is refused. `experiments` holds every experiment the batch names (undefined where not found). */
export function checkEvent(
  e: EventSpec,
  experiments: ReadonlyMap<string, ExperimentRecord | null>,
  now: number,
): EventInput | EventRefusal {
  const refusal =
    checkIds(e) ??
    checkTimeAndValue(e, now) ??
    checkExperimentRef(e, e.experimentId ? experiments.get(e.experimentId) : null);
  if (refusal) return refusal;
  return {
    eventId: e.eventId,
    type: e.type,
    sessionId: e.sessionId,
    productId: e.productId,
    descriptionId: e.descriptionId ?? null,
    experimentId: e.experimentId ?? null,
    variantId: e.variantId ?? null,
    occurredAt: e.occurredAt,
    value: e.value ?? null,
  };
}
