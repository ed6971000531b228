import { Readable } from 'node:stream';
import type { ColumnMapping } from './bias-report-settings.js';
import { computeBiasReport, type BiasReport } from './bias-report.js';
import { parseEvaluation } from './evaluation-parser.js';
import { SeededRandom } from './random.js';
import { auroc, countMetrics, expectedCalibrationError } from './group-metrics.js';

const mapping: ColumnMapping = { label: 'y', prediction: 'p', score: 's', sensitive: ['sex'] };

async function reportOf(csv: string, settings = {}, map: ColumnMapping = mapping): Promise<BiasReport> {
  const parsed = await parseEvaluation(Readable.from([csv]), {
    format: 'csv',
    mapping: map,
    scoreBins: 1000,
  });
  if (!parsed.valid) throw new Error(JSON.stringify(parsed.issues));
  return computeBiasReport(
    parsed.table,
    { sha256: parsed.sha256, format: 'csv', bytes: parsed.bytes, rows: parsed.table.rows },
    map,
    { bootstrap: { resamples: 200, seed: 7 }, minGroupSize: 1, ...settings },
  );
}

function csv(rows: [number, number, number, string][]): string {
  return ['y,p,s,sex', ...rows.map((row) => row.join(','))].join('\n');
}

// Group a: tp 2, fn 1, fp 1, tn 1. Group b: tp 1, fn 0, fp 1, tn 2.
const TWO_GROUPS = csv([
  [1, 1, 0.9, 'a'],
  [1, 0, 0.3, 'a'],
  [0, 0, 0.2, 'a'],
  [0, 1, 0.6, 'a'],
  [1, 1, 0.7, 'a'],
  [1, 1, 0.8, 'b'],
  [0, 1, 0.6, 'b'],
  [0, 0, 0.1, 'b'],
  [0, 0, 0.4, 'b'],
]);

describe('count metrics', () => {
  it('match hand-computed values of a confusion matrix', () => {
    const metrics = countMetrics({ tp: 2, fp: 1, tn: 1, fn: 1 });
    expect(metrics.prevalence).toBeCloseTo(3 / 5);
    expect(metrics.selectionRate).toBeCloseTo(3 / 5);
    expect(metrics.tpr).toBeCloseTo(2 / 3);
    expect(metrics.fnr).toBeCloseTo(1 / 3);
    expect(metrics.fpr).toBeCloseTo(1 / 2);
    expect(metrics.tnr).toBeCloseTo(1 / 2);
    expect(metrics.ppv).toBeCloseTo(2 / 3);
    expect(metrics.npv).toBeCloseTo(1 / 2);
    expect(metrics.accuracy).toBeCloseTo(3 / 5);
    expect(metrics.f1).toBeCloseTo(4 / 6);
  });

  it('are null, not 0, where the denominator is zero (a group with no positives)', () => {
    const metrics = countMetrics({ tp: 0, fp: 1, tn: 3, fn: 0 });
    expect(metrics.tpr).toBeNull();
    expect(metrics.fnr).toBeNull();
    expect(metrics.fpr).toBeCloseTo(0.25);
    expect(metrics.f1).toBe(0);
  });
});

describe('score metrics', () => {
  it('AUROC counts tied scores one half, as sklearn roc_auc_score does', () => {
    // positives score 0.8 and 0.4, negatives 0.4 and 0.2: (1 + 1 + 0.5 + 1) / 4
    const positives = new Float64Array(10);
    const negatives = new Float64Array(10);
    positives[8] = 1;
    positives[4] = 1;
    negatives[4] = 1;
    negatives[2] = 1;
    expect(auroc(positives, negatives)).toBeCloseTo(0.875);
    expect(auroc(positives, new Float64Array(10))).toBeNull();
  });

  it('ECE weighs each bin’s |observed − mean score| by its share of rows', () => {
    // bins [rows, positives, score sum]: {0.2, y=0}, {0.4 y=1, 0.4 y=0}, {0.8, y=1}
    const calibration = Float64Array.from([1, 0, 0.2, 2, 1, 0.8, 1, 1, 0.8]);
    expect(expectedCalibrationError(calibration)).toBeCloseTo((0.2 + 0.2 + 0.2) / 4);
  });
});

describe('computeBiasReport', () => {
  it('gives Fairlearn’s disparities on a hand-computed case', async () => {
    const report = await reportOf(TWO_GROUPS);
    const sex = report.groupings[0];
    expect(sex.name).toBe('sex');
    expect(sex.groups.map((group) => [group.key, group.confusion])).toEqual([
      ['a', { tp: 2, fp: 1, tn: 1, fn: 1 }],
      ['b', { tp: 1, fp: 1, tn: 2, fn: 0 }],
    ]);
    const d = sex.disparities;
    expect(d.demographicParityDifference.value).toBeCloseTo(0.6 - 0.5);
    expect(d.demographicParityRatio.value).toBeCloseTo(0.5 / 0.6);
    expect(d.equalizedOddsDifference.value).toBeCloseTo(Math.max(1 - 2 / 3, 1 / 2 - 1 / 3));
    expect(d.equalizedOddsRatio.value).toBeCloseTo(Math.min(2 / 3 / 1, 1 / 3 / (1 / 2)));
    expect(d.equalOpportunityDifference.value).toBeCloseTo(1 / 3);
    expect(d.predictiveParityDifference.value).toBeCloseTo(2 / 3 - 1 / 2);
    expect(d['accuracy.difference'].value).toBeCloseTo(3 / 4 - 3 / 5);
    expect(d['accuracy.ratio'].value).toBeCloseTo(3 / 5 / (3 / 4));
    // Reference: the largest group (a, 5 rows); b against a.
    expect(sex.referenceGroup).toBe('a');
    const b = sex.groups[1];
    expect(b.reference.selectionRate.difference.value).toBeCloseTo(0.5 - 0.6);
    expect(b.reference.selectionRate.ratio.value).toBeCloseTo(0.5 / 0.6);
    expect(b.disparateImpact.value).toBeCloseTo(0.5 / 0.6);
    expect(sex.groups[0].disparateImpact.value).toBe(1);
    // Brier of b: (0.2² + 0.6² + 0.1² + 0.4²) / 4; AUROC of b: 1 (its positive outranks every negative).
    expect(b.metrics.brier.value).toBeCloseTo((0.04 + 0.36 + 0.01 + 0.16) / 4);
    expect(b.metrics.auroc.value).toBeCloseTo(1);
    // Group a AUROC: positives 0.9, 0.3, 0.7 vs negatives 0.2, 0.6 → (2 + 1 + 2) / 6.
    expect(sex.groups[0].metrics.auroc.value).toBeCloseTo(5 / 6);
  });

  it('is reproducible with a seed, and another seed gives other intervals', async () => {
    const first = await reportOf(TWO_GROUPS);
    const again = await reportOf(TWO_GROUPS);
    const other = await reportOf(TWO_GROUPS, { bootstrap: { resamples: 200, seed: 8 } });
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    expect(JSON.stringify(other.groupings)).not.toBe(JSON.stringify(first.groupings));
    const accuracy = first.groupings[0].groups[0].metrics.accuracy;
    expect(accuracy.lower).not.toBeNull();
    expect(accuracy.lower!).toBeLessThanOrEqual(accuracy.value!);
    expect(accuracy.upper!).toBeGreaterThanOrEqual(accuracy.value!);
  });

  it('gives disparities the basic interval, which corrects the overshoot of max − min', async () => {
    // Eight groups drawn alike: any between-group spread is noise, which the percentile interval would double.
    const rows: [number, number, number, string][] = [];
    const random = new SeededRandom(9);
    for (let i = 0; i < 800; i++)
      rows.push([random.next() < 0.3 ? 1 : 0, random.next() < 0.2 ? 1 : 0, 0.5, `g${i % 8}`]);
    const report = await reportOf(csv(rows), { bootstrap: { resamples: 400, seed: 3 } });
    const spread = report.groupings[0].disparities['selectionRate.difference'];
    const replicates = report.groupings[0].groups.map((group) => group.metrics.selectionRate);
    expect(
      replicates.every(
        (estimate) => estimate.lower! <= estimate.value! && estimate.value! <= estimate.upper!,
      ),
    ).toBe(true);
    // The replicates of max − min sit above the estimate (0.10 here, around 0.17): a percentile
    // interval would not even contain it; the basic interval reaches down to parity.
    expect(spread.value).toBeCloseTo(0.1);
    expect(spread.lower).toBe(0);
    expect(spread.upper!).toBeGreaterThanOrEqual(spread.value!);
  });

  it('leaves rates of a group with no positives undefined and out of the between-group spread', async () => {
    const report = await reportOf(
      csv([
        [1, 1, 0.9, 'a'],
        [0, 0, 0.1, 'a'],
        [0, 1, 0.7, 'b'],
        [0, 0, 0.2, 'b'],
        [1, 0, 0.4, 'c'],
        [0, 0, 0.3, 'c'],
      ]),
    );
    const [a, b, c] = report.groupings[0].groups;
    expect(b.metrics.tpr.value).toBeNull();
    expect(b.metrics.auroc.value).toBeNull();
    expect(b.metrics.fpr.value).toBeCloseTo(0.5);
    // TPR: a 1, c 0 (b undefined) → difference 1; FPR: a 0, b 0.5, c 0 → 0.5.
    expect(report.groupings[0].disparities.equalOpportunityDifference.value).toBe(1);
    expect(report.groupings[0].disparities.equalizedOddsDifference.value).toBe(1);
    expect(a.metrics.tpr.value).toBe(1);
    expect(c.metrics.tpr.value).toBe(0);
  });

  it('flags a group of one as small and never lets it pass', async () => {
    const rows: [number, number, number, string][] = [];
    for (let i = 0; i < 40; i++) rows.push([i % 2, i % 2, i % 2 ? 0.8 : 0.2, 'a']);
    rows.push([1, 1, 0.9, 'b']);
    const report = await reportOf(csv(rows), { minGroupSize: 30 });
    const sex = report.groupings[0];
    expect(sex.smallGroups).toEqual(['b']);
    expect(sex.groups[1].count).toBe(1);
    expect(sex.groups[1].isSmall).toBe(true);
    const judgements = report.judgements.filter((judgement) => judgement.grouping === 'sex');
    for (const judgement of judgements) expect(judgement.outcome).not.toBe('pass');
  });

  it('with all predictions equal: selection rates are all 1, parity holds, predictive values follow prevalence', async () => {
    const report = await reportOf(
      csv([
        [1, 1, 0.5, 'a'],
        [0, 1, 0.5, 'a'],
        [1, 1, 0.5, 'b'],
        [1, 1, 0.5, 'b'],
      ]),
    );
    const sex = report.groupings[0];
    expect(sex.groups.map((group) => group.metrics.selectionRate.value)).toEqual([1, 1]);
    expect(sex.disparities.demographicParityDifference.value).toBe(0);
    expect(sex.disparities.demographicParityRatio.value).toBe(1);
    expect(sex.groups[0].metrics.ppv.value).toBe(0.5);
    expect(sex.groups[0].metrics.auroc.value).toBe(0.5);
    expect(sex.groups[1].metrics.auroc.value).toBeNull();
  });

  it('judges against policy thresholds using the interval', async () => {
    const rows: [number, number, number, string][] = [];
    // Group a: the model is right every time; group b: it flags nobody.
    for (let i = 0; i < 200; i++) rows.push([i % 2, i % 2, i % 2 ? 0.9 : 0.1, 'a']);
    for (let i = 0; i < 200; i++) rows.push([i % 2, 0, 0.2, 'b']);
    const report = await reportOf(csv(rows));
    const eod = report.judgements.find((j) => j.statistic === 'equalizedOddsDifference');
    expect(eod?.outcome).toBe('fail');
    expect(eod?.reasoning).toContain('at most 0.100');
    expect(report.verdict).toBe('fail');
    expect(report.groupings[0].fourFifthsRuleViolations).toEqual(['b']);
  });

  it('reports each attribute and their pairwise intersections', async () => {
    const map: ColumnMapping = { label: 'y', prediction: 'p', sensitive: ['sex', 'race'] };
    const parsedCsv = 'y,p,sex,race\n1,1,f,x\n0,0,f,y\n1,0,m,x\n0,1,m,y\n';
    const report = await reportOf(parsedCsv, {}, map);
    expect(report.groupings.map((grouping) => grouping.name)).toEqual(['sex', 'race', 'sex × race']);
    expect(report.groupings[2].groups.map((group) => group.key)).toEqual([
      'f × x',
      'f × y',
      'm × x',
      'm × y',
    ]);
    expect(report.metrics).not.toContain('auroc');
  });
});
