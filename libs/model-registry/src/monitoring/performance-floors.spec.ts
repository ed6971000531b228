import { floorBreaches } from './performance-floors.js';

describe('performance floors', () => {
  const floors = [
    { metric: 'auroc', subgroup: 'overall', minimum: 0.75 },
    { metric: 'auroc', subgroup: 'age=65+', minimum: 0.7 },
  ];

  it('raises nothing while every floor holds', () => {
    const metrics = [
      { metric: 'auroc', subgroup: 'overall', value: 0.8 },
      { metric: 'auroc', subgroup: 'age=65+', value: 0.74 },
    ];
    expect(floorBreaches(metrics, floors)).toEqual([]);
  });

  it('reports a metric below its floor, and a floor the period does not report', () => {
    expect(floorBreaches([{ metric: 'auroc', subgroup: 'overall', value: 0.7 }], floors)).toEqual([
      { metric: 'auroc', subgroup: 'overall', minimum: 0.75, observed: 0.7 },
      { metric: 'auroc', subgroup: 'age=65+', minimum: 0.7 },
    ]);
  });
});
