/**
 * How a performance observation came to be: one of the schedule's periods, or a recording on request
 * (an ad-hoc review through `POST …/performance/clinician-feedback`, or figures handed in through
 * `POST …/performance`). A review on request may cover the very span of a scheduled period; told
 * apart, the schedule's series still lists each period once.
 */
export type ObservationRecording = 'schedule' | 'request';

/** What the schedule noted of a period it recorded (`registry.feedback_period_record`). */
export interface SchedulePeriodRecord {
  readonly observationId: string;
  /** The length of the grid it was cut on; null if recorded before lengths were stored. */
  readonly period: string | null;
  readonly isTransition: boolean;
}

/** An observation as it is listed: with how it was recorded, and the schedule's note if it is its. */
export type ListedObservation<T> = T & {
  readonly recording: ObservationRecording;
  readonly schedule: { readonly period: string | null; readonly isTransition: boolean } | null;
};

/**
 * Marks each observation as the schedule's when the schedule's own record names it, else as recorded
 * on request. The record decides, not the observation's `createdBy`: a token's subject could read
 * `system:feedback-schedule` too. Nothing stored is changed; the order is kept.
 */
export function withRecording<T extends { readonly id: string }>(
  observations: readonly T[],
  records: readonly SchedulePeriodRecord[],
): ListedObservation<T>[] {
  const byObservation = new Map(records.map((record) => [record.observationId, record]));
  return observations.map((observation) => {
    const record = byObservation.get(observation.id);
    return {
      ...observation,
      recording: record ? 'schedule' : 'request',
      schedule: record ? { period: record.period, isTransition: record.isTransition } : null,
    };
  });
}

/** A recording on request as it is listed (it is never one of the schedule's periods). */
export function onRequest<T>(observation: T): ListedObservation<T> {
  return { ...observation, recording: 'request', schedule: null };
}
