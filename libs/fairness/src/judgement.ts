import type { ThresholdRule } from './bias-report-settings.js';

export type Outcome = 'pass' | 'concern' | 'fail';

/** A point estimate with its bootstrap interval; null where undefined (a zero denominator). */
export interface Estimate {
  readonly value: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface Judgement {
  readonly grouping: string;
  readonly statistic: string;
  readonly rule: ThresholdRule;
  readonly estimate: Estimate;
  readonly outcome: Outcome;
  readonly reasoning: string;
}

const RANK: Record<Outcome, number> = { pass: 0, concern: 1, fail: 2 };

export function worstOutcome(outcomes: readonly Outcome[]): Outcome {
  return outcomes.reduce<Outcome>(
    (worst, outcome) => (RANK[outcome] > RANK[worst] ? outcome : worst),
    'pass',
  );
}

/**
 * Pass only when the whole interval meets the threshold, fail only when the whole interval misses it,
 * concern when the interval straddles it (the data cannot tell), when the statistic is undefined, or
 * when a group is too small to trust. Without a bootstrap the point estimate decides, and says so.
 */
export function judge(
  grouping: string,
  statistic: string,
  rule: ThresholdRule,
  estimate: Estimate,
  smallGroups: readonly string[],
  minGroupSize: number,
): Judgement {
  const decided = decide(rule, estimate);
  let { outcome, reasoning } = decided;
  if (outcome === 'pass' && smallGroups.length > 0) {
    outcome = 'concern';
    reasoning += ` But ${smallGroups.length} group(s) have fewer than ${minGroupSize} rows (${smallGroups.slice(0, 5).join(', ')}${smallGroups.length > 5 ? ', …' : ''}), so a pass is not trusted.`;
  }
  return { grouping, statistic, rule, estimate, outcome, reasoning };
}

function decide(
  rule: ThresholdRule,
  { value, lower, upper }: Estimate,
): { outcome: Outcome; reasoning: string } {
  const limit = rule.max ?? rule.min ?? 0;
  const bound = rule.max !== undefined ? `at most ${format(limit)}` : `at least ${format(limit)}`;
  if (value === null)
    return {
      outcome: 'concern',
      reasoning: `The statistic is undefined (fewer than two groups where it can be computed, or a zero denominator); the policy asks for ${bound}.`,
    };
  const hasInterval = lower !== null && upper !== null;
  const shown = hasInterval
    ? `${format(value)} (interval ${format(lower)} to ${format(upper)})`
    : format(value);
  const low = hasInterval ? lower : value;
  const high = hasInterval ? upper : value;
  const basis = hasInterval ? 'the whole interval' : 'the point estimate (no bootstrap was run)';
  if (rule.max !== undefined) {
    if (high <= rule.max)
      return {
        outcome: 'pass',
        reasoning: `${shown}; the policy asks for ${bound} and ${basis} is within it.`,
      };
    if (low > rule.max)
      return {
        outcome: 'fail',
        reasoning: `${shown}; the policy asks for ${bound} and ${basis} is above it.`,
      };
    return {
      outcome: 'concern',
      reasoning: `${shown}; the policy asks for ${bound} and the interval straddles it: the data cannot tell.`,
    };
  }
  const min = rule.min ?? 0;
  if (low >= min)
    return {
      outcome: 'pass',
      reasoning: `${shown}; the policy asks for ${bound} and ${basis} is within it.`,
    };
  if (high < min)
    return { outcome: 'fail', reasoning: `${shown}; the policy asks for ${bound} and ${basis} is below it.` };
  return {
    outcome: 'concern',
    reasoning: `${shown}; the policy asks for ${bound} and the interval straddles it: the data cannot tell.`,
  };
}

export function format(value: number | null): string {
  return value === null ? 'undefined' : value.toFixed(3);
}
