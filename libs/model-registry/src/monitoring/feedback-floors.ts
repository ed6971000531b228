import { FEEDBACK_REASONS, FEEDBACK_VERDICTS } from './clinician-feedback.js';
import { FEEDBACK_METRICS } from './feedback-summary.js';
import type { PerformanceFloor } from './performance-floors.js';

/** The most floors one declaration holds. */
export const MAX_DECLARED_FEEDBACK_FLOORS = 50;

/** What a floor on a feedback metric may name, and the message when it names something else. */
const COUNT_SUBGROUPS = new Set([
  'overall',
  ...FEEDBACK_VERDICTS.map((verdict) => `verdict=${verdict}`),
  ...FEEDBACK_REASONS.map((reason) => `reason=${reason}`),
]);

/**
 * Why a declared floor cannot hold: it must name a metric a feedback observation reports (a typo
 * would otherwise breach as "not reported" every period, forever), a rate floor is a share from 0 to
 * 1 overall, and one floor per metric and subgroup. Empty: the floors are sound.
 */
export function declaredFloorProblems(
  floors: readonly PerformanceFloor[],
): { index: number; message: string }[] {
  const seen = new Set<string>();
  return floors.flatMap((floor, index) => {
    const message = floorProblem(floor) ?? duplicate(seen, floor);
    return message ? [{ index, message }] : [];
  });
}

function floorProblem(floor: PerformanceFloor): string | undefined {
  if (floor.metric === FEEDBACK_METRICS.overrideRate)
    return `floors are minimums: bound overrides with a floor on ${FEEDBACK_METRICS.acceptanceRate}`;
  if (floor.metric === FEEDBACK_METRICS.acceptanceRate) {
    if (floor.subgroup !== 'overall') return `${floor.metric} is reported overall only`;
    if (floor.minimum < 0 || floor.minimum > 1) return `${floor.metric} is a share from 0 to 1`;
    return undefined;
  }
  if (floor.metric === FEEDBACK_METRICS.count) {
    if (!COUNT_SUBGROUPS.has(floor.subgroup))
      return `${floor.metric} is reported overall, per verdict=<verdict> and per reason=<reason code>`;
    if (floor.minimum < 0) return `${floor.metric} is not negative`;
    return undefined;
  }
  return `a feedback floor names ${FEEDBACK_METRICS.count} or ${FEEDBACK_METRICS.acceptanceRate}`;
}

function duplicate(seen: Set<string>, floor: PerformanceFloor): string | undefined {
  const key = `${floor.metric}\u0000${floor.subgroup}`;
  if (seen.has(key)) return `${floor.metric} [${floor.subgroup}] is declared twice`;
  seen.add(key);
  return undefined;
}

/** A revision of a version's declared floors, as far as the schedule needs it. */
export interface FloorDeclaration {
  readonly revision: number;
  readonly floors: readonly PerformanceFloor[];
  readonly declaredAt: Date;
}

/**
 * Since when floors have been in force without a break, from the revisions oldest first: the time
 * of the first revision of the latest run of non-empty ones. Undefined while none are declared or
 * the latest revision withdrew them: the schedule records nothing then, and after a withdrawal it
 * does not fill in the periods that had none.
 */
export function floorsInForceSince(revisions: readonly FloorDeclaration[]): Date | undefined {
  let since: Date | undefined;
  for (const revision of revisions) {
    if (revision.floors.length === 0) since = undefined;
    else since ??= revision.declaredAt;
  }
  return since;
}
