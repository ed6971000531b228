import type { MetricResult } from '../pccp/change-control-plan.js';

/** A threshold value below which a metric raises an alert (MDR Annex III: indicators and thresholds). */
export interface PerformanceFloor {
  readonly metric: string;
  readonly subgroup: string;
  readonly minimum: number;
}

export interface FloorBreach extends PerformanceFloor {
  /** Undefined when the period has no result for it: a silent metric is a breach too. */
  readonly observed?: number;
}

/** The floors a period's results fall below (or do not report at all). */
export function floorBreaches(
  metrics: readonly MetricResult[],
  floors: readonly PerformanceFloor[],
): FloorBreach[] {
  return floors.flatMap((floor) => {
    const result = metrics.find(
      (metric) => metric.metric === floor.metric && metric.subgroup === floor.subgroup,
    );
    if (!result) return [{ ...floor }];
    return result.value < floor.minimum ? [{ ...floor, observed: result.value }] : [];
  });
}
