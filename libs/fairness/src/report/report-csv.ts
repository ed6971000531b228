import type { BiasReport } from '../bias-report.js';
import type { Estimate } from '../judgement.js';

const COLUMNS = ['scope', 'grouping', 'group', 'count', 'statistic', 'value', 'lower', 'upper'];

/**
 * Every number of the report as CSV rows (RFC 4180): metrics, disparities and reference comparisons with
 * their intervals, confusion counts, reliability bins and ROC points; text cells guarded against formula
 * injection.
 */
export function biasReportCsv(report: BiasReport): string {
  const rows: string[][] = [];
  const push = (
    scope: string,
    grouping: string,
    group: string,
    count: number | null,
    statistic: string,
    e: Estimate,
  ) =>
    rows.push([
      text(scope),
      text(grouping),
      text(group),
      count === null ? '' : String(count),
      text(statistic),
      number(e.value),
      number(e.lower),
      number(e.upper),
    ]);
  const pushCurves = (scope: string, grouping: string, group: string, count: number, part: CurveOwner) => {
    for (const name of ['tp', 'fp', 'tn', 'fn'] as const)
      push(scope, grouping, group, count, `confusion.${name}`, exact(part.confusion[name]));
    part.reliability.forEach((bin, b) => {
      push(scope, grouping, group, count, `reliability[${b}].count`, exact(bin.count));
      push(scope, grouping, group, count, `reliability[${b}].meanScore`, exact(bin.meanScore));
      push(scope, grouping, group, count, `reliability[${b}].observedRate`, exact(bin.observedRate));
    });
    part.roc.forEach((point, k) => {
      push(scope, grouping, group, count, `roc[${k}].fpr`, exact(point.fpr));
      push(scope, grouping, group, count, `roc[${k}].tpr`, exact(point.tpr));
    });
  };
  for (const metric of report.metrics)
    push('overall', '', '', report.overall.count, metric, report.overall.metrics[metric]);
  pushCurves('overall', '', '', report.overall.count, report.overall);
  for (const grouping of report.groupings) {
    for (const group of grouping.groups) {
      for (const metric of report.metrics) {
        push('group', grouping.name, group.key, group.count, metric, group.metrics[metric]);
        push(
          'reference',
          grouping.name,
          group.key,
          group.count,
          `${metric}.difference`,
          group.reference[metric].difference,
        );
        push(
          'reference',
          grouping.name,
          group.key,
          group.count,
          `${metric}.ratio`,
          group.reference[metric].ratio,
        );
      }
      push('group', grouping.name, group.key, group.count, 'disparateImpact', group.disparateImpact);
      pushCurves('group', grouping.name, group.key, group.count, group);
    }
    for (const [name, estimate] of Object.entries(grouping.disparities))
      push('disparity', grouping.name, '', null, name, estimate);
  }
  return [COLUMNS, ...rows].map((row) => `${row.join(',')}\r\n`).join('');
}

type CurveOwner = Pick<BiasReport['overall'], 'confusion' | 'reliability' | 'roc'>;

/** A number without an interval (counts, curve points). */
function exact(value: number | null): Estimate {
  return { value, lower: null, upper: null };
}

function number(value: number | null): string {
  return value === null ? '' : String(value);
}

/** OWASP CSV injection: text starting with = + - @ tab or CR is prefixed with a quote; then RFC 4180 quoting. */
function text(value: string): string {
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) || guarded !== value ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}
