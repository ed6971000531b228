import { dataQualityReport, qualitySpecSchema } from './datasheet.js';

describe('data-quality report', () => {
  const rows = [
    { age: 40, sex: 'female', label: 1 },
    { age: 40, sex: 'female', label: 1 },
    { age: 130, sex: 'male', label: 0 },
    { age: null, sex: 'male', label: 0 },
    { age: 61, sex: 'male', label: 0 },
    { age: 70, sex: '', label: 1 },
  ];
  const report = dataQualityReport(
    rows,
    qualitySpecSchema.parse({
      ranges: { age: { min: 18, max: 110 } },
      labelColumn: 'label',
      intendedPopulation: { sex: { female: 0.6, male: 0.4 } },
    }),
  );

  it('counts missing values per column, duplicate rows and out-of-range values', () => {
    expect(report.rowCount).toBe(6);
    expect(report.missingPerColumn).toEqual({ age: 1, label: 0, sex: 1 });
    expect(report.duplicateRows).toBe(1);
    expect(report.outOfRange).toEqual({ age: 1 });
  });

  it('reports label balance and flags a group under-represented against the intended population', () => {
    expect(report.labelBalance).toEqual({ '0': 0.5, '1': 0.5 });
    expect(report.representativeness).toEqual([
      { attribute: 'sex', group: 'female', observedShare: 0.4, expectedShare: 0.6, isUnderrepresented: true },
      { attribute: 'sex', group: 'male', observedShare: 0.6, expectedShare: 0.4, isUnderrepresented: false },
    ]);
  });
});
