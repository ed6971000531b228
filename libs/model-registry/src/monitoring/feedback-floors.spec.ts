import { declaredFloorProblems, floorsInForceSince } from './feedback-floors.js';

describe('declared feedback floors', () => {
  it('accept floors on the acceptance rate and on counts overall, per verdict and per reason', () => {
    expect(
      declaredFloorProblems([
        { metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 0.7 },
        { metric: 'feedback_count', subgroup: 'overall', minimum: 20 },
        { metric: 'feedback_count', subgroup: 'verdict=accepted', minimum: 5 },
        { metric: 'feedback_count', subgroup: 'reason=output.unsafe', minimum: 0 },
      ]),
    ).toEqual([]);
  });

  it('refuse what no feedback observation reports, a ceiling, a rate beyond 1 and a duplicate', () => {
    const problems = declaredFloorProblems([
      { metric: 'feedback_override_rate', subgroup: 'overall', minimum: 0.2 },
      { metric: 'auroc', subgroup: 'overall', minimum: 0.8 },
      { metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 70 },
      { metric: 'feedback_acceptance_rate', subgroup: 'site=a', minimum: 0.7 },
      { metric: 'feedback_count', subgroup: 'verdict=maybe', minimum: 1 },
      { metric: 'feedback_count', subgroup: 'overall', minimum: 1 },
      { metric: 'feedback_count', subgroup: 'overall', minimum: 2 },
    ]);
    expect(problems.map((problem) => problem.index)).toEqual([0, 1, 2, 3, 4, 6]);
    expect(problems[0].message).toContain('feedback_acceptance_rate');
    expect(problems[5].message).toContain('declared twice');
  });

  it('are in force from the first revision of the latest unbroken run of non-empty declarations', () => {
    const floors = [{ metric: 'feedback_count', subgroup: 'overall', minimum: 1 }];
    const day = (n: number) => new Date(Date.UTC(2026, 0, n));
    expect(floorsInForceSince([])).toBeUndefined();
    expect(
      floorsInForceSince([
        { revision: 1, floors, declaredAt: day(1) },
        { revision: 2, floors, declaredAt: day(5) },
      ]),
    ).toEqual(day(1));
    expect(
      floorsInForceSince([
        { revision: 1, floors, declaredAt: day(1) },
        { revision: 2, floors: [], declaredAt: day(5) },
        { revision: 3, floors, declaredAt: day(9) },
      ]),
    ).toEqual(day(9));
    expect(
      floorsInForceSince([
        { revision: 1, floors, declaredAt: day(1) },
        { revision: 2, floors: [], declaredAt: day(5) },
      ]),
    ).toBeUndefined();
  });
});
