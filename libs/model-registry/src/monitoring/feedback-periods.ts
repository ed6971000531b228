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

/**
 * The period length in force from a moment on (`registry.feedback_period_setting`): a governance
 * process started with another PRAESIDIUM_FEEDBACK_PERIOD than the last one in force records a new one.
 */
export interface PeriodSetting {
  readonly length: FeedbackPeriodLength;
  readonly since: Date;
}

/** A period the schedule records, with the grid it was cut on. */
export interface ScheduledPeriod extends SurveillancePeriod {
  readonly length: FeedbackPeriodLength;
  /**
   * A stretch shorter than a whole period: from the end of the last period cut on the former grid to
   * the first boundary of the new one, after the period length changed. Recorded once like any other,
   * so the record has neither a gap nor an overlap.
   */
  readonly isTransition: boolean;
}

/** The length of the periods starting at `at`: the setting in force then (before any, the first). */
export function lengthAt(settings: readonly PeriodSetting[], at: Date): FeedbackPeriodLength {
  const [first] = settings;
  if (!first) throw new Error('no feedback period setting');
  let length = first.length;
  for (const setting of settings) if (setting.since <= at) length = setting.length;
  return length;
}

/**
 * The period that starts at `start`: the whole period of the grid in force then when `start` is one
 * of its boundaries, else the transition up to its next boundary. A period under way when the length
 * changes (it started before) is completed on the grid it started on.
 */
export function periodFrom(start: Date, settings: readonly PeriodSetting[]): ScheduledPeriod {
  const length = lengthAt(settings, start);
  const whole = periodContaining(start, length);
  if (whole.start.getTime() === start.getTime()) return { ...whole, length, isTransition: false };
  return { start, end: whole.end, length, isTransition: true };
}

export interface PeriodCursor {
  /** Every setting of the period length, oldest first (at least one). */
  readonly settings: readonly PeriodSetting[];
  /** Only periods that end after this count: when the floors came into force, or serving began. */
  readonly after: Date;
  /** The end of the last period recorded: the next one starts there or later, never overlapping it. */
  readonly lastEnd?: Date;
}

/** The first period still to record: it may still be open. */
export function nextPeriod({ settings, after, lastEnd }: PeriodCursor): ScheduledPeriod {
  const length = lengthAt(settings, after);
  const first = periodContaining(after, length);
  if (!lastEnd || first.start >= lastEnd) return { ...first, length, isTransition: false };
  // Back to back with the last one recorded, whatever grid that was cut on: no gap, no overlap.
  return periodFrom(lastEnd, settings);
}

/** The settled periods still to record, oldest first, at most `limit` (the rest wait for a later run). */
export function duePeriods(cursor: PeriodCursor, now: Date, limit: number): ScheduledPeriod[] {
  const due: ScheduledPeriod[] = [];
  let period = nextPeriod(cursor);
  while (due.length < limit && isSettled(period, now)) {
    due.push(period);
    period = periodFrom(period.end, cursor.settings);
  }
  return due;
}
