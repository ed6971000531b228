import type { FeedbackPeriodLength } from '@praesidium/config';

/** A period of post-market surveillance: [start, end). */
export interface SurveillancePeriod {
  readonly start: Date;
  readonly end: Date;
}

const DAY_MS = 86_400_000;
/** Monday 1970-01-05T00:00Z: weeks and fixed-second periods count from it, so a week is an ISO week. */
const MONDAY_EPOCH_MS = Date.UTC(1970, 0, 5);
/**
 * How long a closed period waits before it is recorded: feedback is stamped by the gateway's clock
 * when it is appended and committed a moment later, so a period is counted once that has settled.
 */
const SETTLE_MS = 10_000;

/** The period of the grid that holds `at` (UTC days, ISO weeks, calendar months, or fixed seconds). */
export function periodContaining(at: Date, length: FeedbackPeriodLength): SurveillancePeriod {
  if (length.unit === 'month') {
    return {
      start: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)),
      end: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)),
    };
  }
  const ms = fixedLengthMs(length);
  const start = MONDAY_EPOCH_MS + Math.floor((at.getTime() - MONDAY_EPOCH_MS) / ms) * ms;
  return { start: new Date(start), end: new Date(start + ms) };
}

function fixedLengthMs(length: Exclude<FeedbackPeriodLength, { unit: 'month' }>): number {
  if (length.unit === 'seconds') return length.seconds * 1000;
  return length.unit === 'day' ? DAY_MS : 7 * DAY_MS;
}

/** Whether a period is over and settled, so its count no longer changes. */
export function isSettled(period: SurveillancePeriod, now: Date): boolean {
  const settle = Math.min(SETTLE_MS, period.end.getTime() - period.start.getTime());
  return now.getTime() >= period.end.getTime() + settle;
}

export interface PeriodCursor {
  readonly length: FeedbackPeriodLength;
  /** Only periods that end after this count: when the floors came into force, or serving began. */
  readonly after: Date;
  /** The end of the last period recorded: the next one starts there or later, never overlapping it. */
  readonly lastEnd?: Date;
}

/** The first period still to record: it may still be open. */
export function nextPeriod({ length, after, lastEnd }: PeriodCursor): SurveillancePeriod {
  const first = periodContaining(after, length);
  if (!lastEnd || first.start >= lastEnd) return first;
  const following = periodContaining(lastEnd, length);
  // After a change of PRAESIDIUM_FEEDBACK_PERIOD the grids may not meet: skip the overlapping one.
  return following.start < lastEnd ? periodContaining(following.end, length) : following;
}

/** The settled periods still to record, oldest first, at most `limit` (the rest wait for a later run). */
export function duePeriods(cursor: PeriodCursor, now: Date, limit: number): SurveillancePeriod[] {
  const due: SurveillancePeriod[] = [];
  let period = nextPeriod(cursor);
  while (due.length < limit && isSettled(period, now)) {
    due.push(period);
    period = periodContaining(period.end, cursor.length);
  }
  return due;
}
