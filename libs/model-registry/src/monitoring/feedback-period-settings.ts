import { feedbackPeriodName, parseFeedbackPeriod, type FeedbackPeriodLength } from '@praesidium/config';
import type { PeriodSetting } from './feedback-periods.js';

/** A stored setting as the schedule reads it (`registry.feedback_period_setting`). */
export interface StoredPeriodSetting {
  readonly period: string;
  readonly inForceFrom: Date;
}

/** The stored settings, oldest first, as periods are cut by them. A setting the code cannot read throws. */
export function periodSettings(stored: readonly StoredPeriodSetting[]): PeriodSetting[] {
  return stored.map((setting) => {
    const length = parseFeedbackPeriod(setting.period);
    if (!length) throw new Error('a stored feedback period setting is not a period length');
    return { length, since: setting.inForceFrom };
  });
}

/**
 * Why a run may not record, or undefined when it may: it must carry the period it was queued with,
 * and that must be the one in force. A run queued before the length changed, or by a governance
 * process started with another PRAESIDIUM_FEEDBACK_PERIOD, would otherwise record periods of another
 * length beside the schedule's; it is refused whole (fail closed) and records nothing.
 */
export function periodMismatch(
  queued: FeedbackPeriodLength | undefined,
  settings: readonly PeriodSetting[],
): string | undefined {
  if (!queued) return 'the run names no period: it was queued by an earlier release (the next run names one)';
  const inForce = settings.at(-1);
  if (!inForce)
    return 'no period is in force yet: governance records its PRAESIDIUM_FEEDBACK_PERIOD when it starts';
  const asked = feedbackPeriodName(queued);
  const current = feedbackPeriodName(inForce.length);
  if (asked === current) return undefined;
  return `the run was queued with the period ${asked}, but ${current} is in force since ${inForce.since.toISOString()}: it was queued before the change, or by a governance process started with another PRAESIDIUM_FEEDBACK_PERIOD`;
}
