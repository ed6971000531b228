import { z } from 'zod';
import { COUNT_METRICS, SCORE_METRICS } from './group-metrics.js';
import { NAMED_DISPARITIES } from './statistics-layout.js';

export { NAMED_DISPARITIES, type NamedDisparity } from './statistics-layout.js';

const METRIC_NAMES = [...COUNT_METRICS, ...SCORE_METRICS] as const;
/** A statistic a policy threshold can name: a named disparity, or any metric's between-group difference or ratio. */
export const THRESHOLD_STATISTICS = [
  ...NAMED_DISPARITIES,
  ...METRIC_NAMES.flatMap((metric) => [`${metric}.difference`, `${metric}.ratio`] as const),
] as readonly string[];

const columnName = z.string().min(1).max(128);

export const thresholdRuleSchema = z
  .object({
    statistic: z.string().refine((name) => THRESHOLD_STATISTICS.includes(name), 'unknown statistic'),
    /** The statistic must not exceed this (differences). */
    max: z.number().finite().optional(),
    /** The statistic must reach at least this (ratios). */
    min: z.number().finite().optional(),
  })
  .strict()
  .refine((rule) => (rule.max === undefined) !== (rule.min === undefined), 'give exactly one of max or min');
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;

/** Policy defaults from the issue: equalized odds difference ≤ 0.1, disparate impact (four-fifths) ≥ 0.8. */
export const DEFAULT_THRESHOLDS: ThresholdRule[] = [
  { statistic: 'equalizedOddsDifference', max: 0.1 },
  { statistic: 'demographicParityRatio', min: 0.8 },
];

export const columnMappingSchema = z
  .object({
    label: columnName,
    prediction: columnName,
    score: columnName.optional(),
    sensitive: z.array(columnName).min(1).max(8),
  })
  .strict()
  .refine((mapping) => {
    const columns = [
      mapping.label,
      mapping.prediction,
      ...(mapping.score ? [mapping.score] : []),
      ...mapping.sensitive,
    ];
    return new Set(columns).size === columns.length;
  }, 'a column is mapped twice');
export type ColumnMapping = z.infer<typeof columnMappingSchema>;

export const biasReportSettingsSchema = z
  .object({
    /** Which intersections of sensitive attributes to report besides each attribute alone. */
    intersections: z
      .union([z.enum(['none', 'pairs', 'all']), z.array(z.array(columnName).min(2)).max(32)])
      .default('pairs'),
    /** Reference group per grouping name (`sex`, `sex × race`), for the Aequitas-style comparisons. Default: the largest group. */
    referenceGroups: z.record(z.string(), z.string()).default({}),
    /** Groups with fewer rows are flagged small, and their judgements are at most "concern". */
    minGroupSize: z.number().int().min(1).max(1_000_000).default(30),
    bootstrap: z
      .object({
        resamples: z.number().int().min(0).max(100_000).default(2000),
        seed: z.number().int().min(0).max(4294967295).default(20261129),
        confidence: z.number().gt(0.5).lt(1).default(0.95),
      })
      .strict()
      .prefault({}),
    /** Score histogram bins (point estimates); scores with at most log10(bins) decimals are never merged. */
    scoreBins: z.number().int().min(10).max(100_000).default(1000),
    /** Coarser bins the bootstrap resamples scores over (must divide scoreBins). */
    bootstrapScoreBins: z.number().int().min(10).max(10_000).default(50),
    /** Equal-width bins of the reliability curve and ECE (must divide bootstrapScoreBins). */
    calibrationBins: z.number().int().min(2).max(100).default(10),
    thresholds: z.array(thresholdRuleSchema).max(64).default(DEFAULT_THRESHOLDS),
  })
  .strict()
  .refine((s) => s.scoreBins % s.bootstrapScoreBins === 0, 'bootstrapScoreBins must divide scoreBins')
  .refine(
    (s) => s.bootstrapScoreBins % s.calibrationBins === 0,
    'calibrationBins must divide bootstrapScoreBins',
  );
export type BiasReportSettings = z.infer<typeof biasReportSettingsSchema>;
export type BiasReportSettingsInput = z.input<typeof biasReportSettingsSchema>;
