import type { BiasReport, GroupingReport } from '../bias-report.js';
import { METRIC_LABELS, type MetricName } from '../group-metrics.js';
import { barChart, curveChart } from './svg-charts.js';

const CHARTED_METRICS: MetricName[] = ['selectionRate', 'tpr', 'fpr', 'ppv', 'auroc'];
const MAX_CURVES = 12;

/**
 * The SVG charts of one grouping (bars with interval whiskers per charted metric, ROC and reliability
 * curves with scores), as the HTML report shows them; the web console shows the same pictures.
 */
export function groupingCharts(report: BiasReport, grouping: GroupingReport): string[] {
  const bars = CHARTED_METRICS.filter((metric) => report.metrics.includes(metric)).map((metric) =>
    barChart(
      METRIC_LABELS[metric],
      grouping.groups.map((group) => ({
        label: group.key,
        ...group.metrics[metric],
        flagged: group.isSmall,
      })),
      report.overall.metrics[metric].value,
    ),
  );
  if (!report.metrics.includes('auroc')) return bars;
  const largest = [...grouping.groups].sort((a, b) => b.count - a.count).slice(0, MAX_CURVES);
  const roc = curveChart(
    `ROC curves by ${grouping.name}`,
    'false positive rate',
    'true positive rate',
    largest.map((group) => ({ label: group.key, points: group.roc.map((p) => ({ x: p.fpr, y: p.tpr })) })),
  );
  const calibration = curveChart(
    `Reliability by ${grouping.name}`,
    'mean predicted score',
    'observed positive rate',
    largest.map((group) => ({
      label: group.key,
      points: group.reliability.flatMap((bin) =>
        bin.meanScore === null || bin.observedRate === null
          ? []
          : [{ x: bin.meanScore, y: bin.observedRate }],
      ),
    })),
  );
  return [...bars, roc, calibration];
}
