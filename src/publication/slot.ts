/**
 * Publication slots: where a description may be published, product ×
 * locale × channel × personalization segment ('' for the base text). At
 * most one description is published per slot. Pure.
 */
import { BadUserInputError } from '../errors/index.js';

/** The channel of a request that names none. */
export const DEFAULT_CHANNEL = 'web';
/** The locale of a text written without one (the fact check's default too). */
export const DEFAULT_LOCALE = 'en';

const CHANNEL = /^[a-z][a-z0-9-]{0,31}$/;

export interface Slot {
  productId: string;
  /** BCP 47 in the canonical form personalization gives it ("en-GB"). */
  locale: string;
  channel: string;
  /** Lower case; '' for the base text. */
  segment: string;
}

/** A channel name as given, or the default; else BAD_USER_INPUT with `reason: INVALID_CHANNEL`. */
export function checkChannel(channel: string | null | undefined): string {
  if (channel === null || channel === undefined) return DEFAULT_CHANNEL;
  const name = channel.trim();
  if (CHANNEL.test(name)) return name;
  throw new BadUserInputError(
    `channel ${JSON.stringify(channel.slice(0, 40))} must be a lower-case name such as "web", "app" or "marketplace" (letters, digits and -, at most 32)`,
    {
      reason: 'INVALID_CHANNEL',
      argument: 'channel',
    },
  );
}

/** The slot a text for this personalization and channel belongs to: its locale and segment, not its tone or keywords. */
export function slotOf(
  productId: string,
  personalization: { locale?: string | null; segment?: string | null } | null | undefined,
  channel: string = DEFAULT_CHANNEL,
): Slot {
  return {
    productId,
    locale: personalization?.locale?.trim() || DEFAULT_LOCALE,
    channel,
    segment: personalization?.segment?.trim().toLowerCase() ?? '',
  };
}

export const sameSlot = (a: Slot, b: Slot): boolean =>
  a.productId === b.productId && a.locale === b.locale && a.channel === b.channel && a.segment === b.segment;

/**
 * Where a shopper's read looks, in order: the slot asked for, its base text
 * (no segment), the base text of the default channel, then that of the
 * locale's language ("en" for "en-GB"). A locale never falls back to another
 * language: the human reference comes next.
 */
export function fallbackSlots(slot: Slot): Slot[] {
  const [language = ''] = slot.locale.toLowerCase().split('-'); // split() yields at least one part
  const candidates: Slot[] = [
    slot,
    { ...slot, segment: '' },
    { ...slot, channel: DEFAULT_CHANNEL, segment: '' },
    { ...slot, locale: language, channel: DEFAULT_CHANNEL, segment: '' },
  ];
  return candidates.filter((c, i) => candidates.findIndex((o) => sameSlot(o, c)) === i);
}
