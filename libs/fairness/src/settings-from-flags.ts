/** The flags the CLI takes and the query parameters the API takes: the same names, the same meaning. */
export const SETTINGS_FLAGS = [
  'label',
  'prediction',
  'score',
  'sensitive',
  'intersections',
  'resamples',
  'seed',
  'confidence',
  'min-group-size',
  'reference',
  'threshold',
] as const;
export type SettingsFlags = Partial<Record<(typeof SETTINGS_FLAGS)[number], string>>;

/**
 * The column mapping and settings named by flags, unvalidated: callers validate them with
 * `columnMappingSchema` and `biasReportSettingsSchema`, which name each bad value.
 */
export function mappingAndSettingsFromFlags(flags: SettingsFlags): {
  mapping: unknown;
  settings: unknown;
} {
  const mapping = {
    label: flags.label,
    prediction: flags.prediction,
    ...(flags.score ? { score: flags.score } : {}),
    sensitive: list(flags.sensitive),
  };
  const intersections = flags.intersections;
  const settings = {
    ...(intersections === undefined
      ? {}
      : {
          intersections:
            intersections === 'pairs' || intersections === 'all' || intersections === 'none'
              ? intersections
              : list(intersections).map((set) => set.split('*').map((name) => name.trim())),
        }),
    bootstrap: {
      ...(flags.resamples ? { resamples: Number(flags.resamples) } : {}),
      ...(flags.seed ? { seed: Number(flags.seed) } : {}),
      ...(flags.confidence ? { confidence: Number(flags.confidence) } : {}),
    },
    ...(flags['min-group-size'] ? { minGroupSize: Number(flags['min-group-size']) } : {}),
    ...(flags.reference
      ? {
          referenceGroups: Object.fromEntries(
            list(flags.reference).map((pair) => {
              const at = pair.indexOf('=');
              return [pair.slice(0, at), pair.slice(at + 1)];
            }),
          ),
        }
      : {}),
    ...(flags.threshold ? { thresholds: list(flags.threshold).map(thresholdRule) } : {}),
  };
  return { mapping, settings };
}

/** `equalizedOddsDifference<=0.1` or `demographicParityRatio>=0.8`; anything else fails validation later. */
function thresholdRule(text: string): { statistic: string; max?: number; min?: number } {
  const match = /^([\w.]+)\s*(<=|>=)\s*(-?[\d.]+)$/.exec(text);
  if (!match) return { statistic: text };
  const [, statistic, operator, value] = match;
  return operator === '<=' ? { statistic, max: Number(value) } : { statistic, min: Number(value) };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
