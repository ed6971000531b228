import type { RegistrySnapshot } from './snapshot.js';

type Monitoring = RegistrySnapshot['monitoring'];
export type PerformancePeriod = NonNullable<Monitoring['performanceSeries']>[number];

/**
 * The performance record counted without ambiguity: the clinician-feedback schedule's periods, each
 * once, apart from the observations recorded on request (an ad-hoc review, figures handed in), which
 * may cover a scheduled span again. Counting both as "periods" would report a period twice.
 */
export function performanceRecordText(m: Monitoring, options: { alerts?: boolean } = {}): string {
  const onRequest = m.performanceObservations - m.scheduledPeriods;
  const alerts = (count: number) => (options.alerts ? ` (${count} alert(s))` : '');
  const parts = [
    ...(m.scheduledPeriods > 0
      ? [`${m.scheduledPeriods} period(s) recorded by the feedback schedule${alerts(m.scheduledAlerts)}`]
      : []),
    ...(onRequest > 0
      ? [
          `${onRequest} performance observation(s) recorded on request${alerts(m.performanceAlerts - m.scheduledAlerts)}`,
        ]
      : []),
  ];
  return parts.length ? parts.join(' and ') : '0 performance observation(s)';
}

/** The schedule's periods and the recordings on request, each oldest first, to be listed apart. */
export function byRecording(series: readonly PerformancePeriod[]): {
  scheduled: PerformancePeriod[];
  onRequest: PerformancePeriod[];
} {
  return {
    scheduled: series.filter((period) => period.recording === 'schedule'),
    onRequest: series.filter((period) => period.recording !== 'schedule'),
  };
}
