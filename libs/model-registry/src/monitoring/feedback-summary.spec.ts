import { floorBreaches } from './performance-floors.js';
import { feedbackMetrics, summarizeFeedback } from './feedback-summary.js';

describe('clinician feedback summary', () => {
  const subject = {
    model: 'lumbar-esi',
    version: '1.0.0',
    periodStart: new Date('2026-11-01T00:00:00Z'),
    periodEnd: new Date('2026-12-01T00:00:00Z'),
  };

  it('counts by verdict and reason, with the acceptance and override rates', () => {
    const summary = summarizeFeedback(subject, [
      { verdict: 'accepted', reason: 'output.agrees_with_assessment', count: 6 },
      { verdict: 'modified', reason: 'output.incomplete', count: 2 },
      { verdict: 'rejected', reason: 'output.incorrect', count: 1 },
      { verdict: 'rejected', reason: 'output.unsafe', count: 1 },
    ]);
    expect(summary).toMatchObject({
      model: 'lumbar-esi',
      version: '1.0.0',
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      total: 10,
      byVerdict: { accepted: 6, modified: 2, rejected: 2 },
      acceptanceRate: 0.6,
      overrideRate: 0.4,
    });
    expect(summary.byReason).toMatchObject({
      'output.agrees_with_assessment': 6,
      'output.incomplete': 2,
      'output.incorrect': 1,
      'output.unsafe': 1,
      'output.other': 0,
    });
  });

  it('has no rate for a period without feedback, rather than a rate of zero', () => {
    const summary = summarizeFeedback(subject, []);
    expect(summary).toMatchObject({ total: 0, acceptanceRate: null, overrideRate: null });
    expect(summary.byVerdict).toEqual({ accepted: 0, modified: 0, rejected: 0 });
  });

  it('ignores verdicts and reasons the gateway does not accept', () => {
    const summary = summarizeFeedback(subject, [
      { verdict: 'accepted', reason: null, count: 3 },
      { verdict: 'ignored', reason: 'output.other', count: 5 },
    ]);
    expect(summary).toMatchObject({ total: 3, acceptanceRate: 1 });
    expect(Object.values(summary.byReason).every((count) => count === 0)).toBe(true);
  });

  it('reports counts per verdict and reason as subgroups, and both rates', () => {
    const metrics = feedbackMetrics(
      summarizeFeedback(subject, [
        { verdict: 'accepted', reason: 'output.agrees_with_assessment', count: 3 },
        { verdict: 'modified', reason: 'output.incomplete', count: 1 },
      ]),
    );
    expect(metrics).toEqual(
      expect.arrayContaining([
        { metric: 'feedback_count', subgroup: 'overall', value: 4 },
        { metric: 'feedback_count', subgroup: 'verdict=modified', value: 1 },
        { metric: 'feedback_count', subgroup: 'reason=output.incomplete', value: 1 },
        { metric: 'feedback_count', subgroup: 'reason=output.unsafe', value: 0 },
        { metric: 'feedback_acceptance_rate', subgroup: 'overall', value: 0.75 },
        { metric: 'feedback_override_rate', subgroup: 'overall', value: 0.25 },
      ]),
    );
  });

  it('breaches a rate floor as not reported when nobody gave feedback', () => {
    const floors = [{ metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 0.7 }];
    expect(floorBreaches(feedbackMetrics(summarizeFeedback(subject, [])), floors)).toEqual([
      { metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 0.7 },
    ]);
  });
});
