import { assessAgainstPlan, changeControlPlanSchema } from './change-control-plan.js';

export const PLAN = changeControlPlanSchema.parse({
  modifications: [
    {
      id: 'M1',
      type: 're-training on new site data',
      description: 'Re-train on data of additional sites, same features and architecture',
      bounds: 'same architecture; features unchanged; up to 3 new sites',
      implementation: 'manual',
      scope: 'global',
      acceptanceCriteria: [
        { metric: 'auroc', minimum: 0.75, onConfidenceBound: true },
        { metric: 'auroc', subgroup: 'sex=female', minimum: 0.72 },
        { metric: 'calibration_error', maximum: 0.05 },
      ],
    },
  ],
  protocol: {
    dataManagement: 'sites sequestered; test set never used for training',
    retraining: 'same pipeline, fixed seed',
    performanceEvaluation: 'held-out test set per site; 95% bootstrap CI',
    updateProcedure: 'model owner registers, ethics board and RA sign',
  },
  impactAssessment: 'benefit: better generalisation; risk: subgroup regression, controlled by criteria',
});

describe('predetermined change control plan acceptance checks', () => {
  const good = {
    evidenceId: 'e1',
    metrics: [
      { metric: 'auroc', subgroup: 'overall', value: 0.81, ciLower: 0.77, ciUpper: 0.85 },
      { metric: 'auroc', subgroup: 'sex=female', value: 0.78 },
      { metric: 'calibration_error', subgroup: 'overall', value: 0.03 },
    ],
  };

  it('passes a version whose evidence meets every criterion, with the modification traced to its evidence', () => {
    const assessment = assessAgainstPlan(PLAN, ['M1'], [good]);
    expect(assessment.accepted).toBe(true);
    expect(assessment.checks.every((check) => check.passed)).toBe(true);
    expect(assessment.traceability).toEqual([
      { modificationId: 'M1', known: true, evidenceIds: ['e1'], passed: true },
    ]);
  });

  it('fails on the confidence bound when asked to, even when the point estimate passes', () => {
    const metrics = good.metrics.map((m) =>
      m.subgroup === 'overall' && m.metric === 'auroc' ? { ...m, ciLower: 0.7 } : m,
    );
    const assessment = assessAgainstPlan(PLAN, ['M1'], [{ evidenceId: 'e2', metrics }]);
    expect(assessment.accepted).toBe(false);
    expect(assessment.checks.find((check) => !check.passed)).toMatchObject({
      metric: 'auroc',
      subgroup: 'overall',
    });
  });

  it('fails a subgroup regression and a missing result (missing is never a pass)', () => {
    const regression = good.metrics.map((m) => (m.subgroup === 'sex=female' ? { ...m, value: 0.6 } : m));
    expect(assessAgainstPlan(PLAN, ['M1'], [{ evidenceId: 'e3', metrics: regression }]).accepted).toBe(false);
    const missing = good.metrics.filter((m) => m.metric !== 'calibration_error');
    const assessment = assessAgainstPlan(PLAN, ['M1'], [{ evidenceId: 'e4', metrics: missing }]);
    expect(assessment.accepted).toBe(false);
    expect(assessment.checks.find((check) => check.metric === 'calibration_error')).toMatchObject({
      passed: false,
    });
  });

  it('fails a modification the plan does not declare', () => {
    const assessment = assessAgainstPlan(PLAN, ['M1', 'M9'], [good]);
    expect(assessment.accepted).toBe(false);
    expect(assessment.traceability[1]).toEqual({
      modificationId: 'M9',
      known: false,
      evidenceIds: [],
      passed: false,
    });
  });
});
