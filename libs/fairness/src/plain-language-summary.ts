import type { BiasReport } from './bias-report.js';
import { METRIC_LABELS } from './group-metrics.js';
import { format } from './judgement.js';

const STATISTIC_MEANING: Record<string, string> = {
  equalizedOddsDifference:
    'the largest gap between groups in how often real cases are caught (sensitivity) or false alarms are raised',
  equalizedOddsRatio:
    'how close the groups come to each other in catching real cases and in false alarms (1 is equal)',
  demographicParityDifference: 'the largest gap between groups in how often the model flags someone',
  demographicParityRatio:
    'the lowest group flagging rate divided by the highest (the four-fifths rule wants at least 0.8)',
  equalOpportunityDifference: 'the largest gap between groups in how often real cases are caught',
  equalOpportunityRatio: 'the lowest group sensitivity divided by the highest',
  predictiveParityDifference: 'the largest gap between groups in how often a positive result is right',
  predictiveParityRatio: 'the lowest group precision divided by the highest',
};

const VERDICT_WORDS = {
  pass: 'meets every threshold of the policy',
  concern: 'needs the board’s attention: at least one threshold cannot be shown to be met',
  fail: 'misses at least one threshold of the policy, beyond statistical doubt',
};

/** Sentences for readers who are not statisticians: what was measured, what it found, how sure it is. */
export function plainLanguageSummary(report: Omit<BiasReport, 'summary'>): string[] {
  const { settings } = report;
  const confidence = Math.round(settings.bootstrap.confidence * 100);
  const small = report.groupings.flatMap((grouping) =>
    grouping.smallGroups.map((key) => `${grouping.name}: ${key}`),
  );
  const lines = [
    `This report looks at ${report.overall.count.toLocaleString('en-US')} evaluated cases, split by ${report.mapping.sensitive.join(', ')}${report.groupings.length > report.mapping.sensitive.length ? ' and their combinations' : ''}.`,
    `Overall, the model ${VERDICT_WORDS[report.verdict]}.`,
    settings.bootstrap.resamples > 0
      ? `Every number comes with a ${confidence}% range from ${settings.bootstrap.resamples.toLocaleString('en-US')} bootstrap resamples: the true value is likely inside it. A check passes only when the whole range is on the right side of the threshold.`
      : 'No bootstrap was run, so the numbers have no uncertainty ranges; treat every judgement as provisional.',
  ];
  if (small.length)
    lines.push(
      `${small.length} group(s) have fewer than ${settings.minGroupSize} cases (${small.slice(0, 5).join('; ')}${small.length > 5 ? '; …' : ''}); their numbers are uncertain and no check involving them can pass outright.`,
    );
  for (const judgement of report.judgements) {
    const meaning = STATISTIC_MEANING[judgement.statistic] ?? `the between-group ${judgement.statistic}`;
    lines.push(
      `${judgement.grouping} — ${meaning}: ${format(judgement.estimate.value)}. ${judgement.outcome.toUpperCase()}: ${judgement.reasoning}`,
    );
  }
  for (const grouping of report.groupings.filter((g) => g.attributes.length === 1)) {
    const sensitivity = grouping.groups.filter((group) => group.metrics.tpr.value !== null);
    if (sensitivity.length < 2) continue;
    const sorted = [...sensitivity].sort((a, b) => (a.metrics.tpr.value ?? 0) - (b.metrics.tpr.value ?? 0));
    const low = sorted[0];
    const high = sorted[sorted.length - 1];
    lines.push(
      `By ${grouping.name}, ${METRIC_LABELS.tpr.toLowerCase()} is lowest for ${low.key} (${format(low.metrics.tpr.value)}) and highest for ${high.key} (${format(high.metrics.tpr.value)}).`,
    );
  }
  return lines;
}
