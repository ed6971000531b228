import type { DecisionCount } from '@praesidium/audit';

/** A stacked bar chart of gateway decisions per time bucket, laid out for an SVG template. */
export interface DecisionChart {
  readonly width: number;
  readonly height: number;
  readonly plot: {
    readonly left: number;
    readonly top: number;
    readonly bottom: number;
    readonly right: number;
  };
  readonly series: readonly { readonly label: string; readonly swatch: string; readonly total: number }[];
  readonly bars: readonly {
    readonly label: string;
    readonly segments: readonly {
      readonly x: number;
      readonly y: number;
      readonly width: number;
      readonly height: number;
      readonly swatch: string;
      readonly title: string;
    }[];
  }[];
  readonly ticks: readonly { readonly y: number; readonly value: number }[];
  readonly xLabels: readonly { readonly x: number; readonly text: string }[];
  /** The same figures as a table (the chart's text alternative). */
  readonly rows: readonly {
    readonly bucket: string;
    readonly cells: readonly number[];
    readonly total: number;
  }[];
  readonly total: number;
  readonly allowed: number;
  readonly refused: number;
}

const WIDTH = 760;
const HEIGHT = 280;
const PLOT = { left: 48, top: 12, right: WIDTH - 12, bottom: HEIGHT - 36 };
/** Reasons shown on their own; the rest are summed as "other refusals". */
const MAX_REASONS = 6;

/**
 * Lays out decisions as stacked bars: allowed first, then each refusal reason (the most frequent
 * ones; the rest as "other refusals"). Every bucket between `since` and `until` gets a bar, empty or not.
 */
export function decisionChart(
  counts: readonly DecisionCount[],
  since: Date,
  until: Date,
  bucketSeconds: number,
): DecisionChart {
  const reasonTotals = new Map<string, number>();
  for (const count of counts)
    if (count.outcome !== 'success') {
      const reason = count.reasonCode ?? 'unspecified';
      reasonTotals.set(reason, (reasonTotals.get(reason) ?? 0) + count.count);
    }
  const ranked = [...reasonTotals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = ranked.slice(0, MAX_REASONS).map(([reason]) => reason);
  const hasOther = ranked.length > MAX_REASONS;
  const labels = [
    'allowed',
    ...shown.map((reason) => `refused: ${reason}`),
    ...(hasOther ? ['other refusals'] : []),
  ];
  const seriesOf = (count: DecisionCount): number => {
    if (count.outcome === 'success') return 0;
    const index = shown.indexOf(count.reasonCode ?? 'unspecified');
    return index >= 0 ? index + 1 : labels.length - 1;
  };

  const step = bucketSeconds * 1000;
  const first = Math.floor(since.getTime() / step) * step;
  const buckets: number[] = [];
  for (let at = first; at < until.getTime(); at += step) buckets.push(at);
  const cells = new Map<number, number[]>(buckets.map((at) => [at, labels.map(() => 0)]));
  for (const count of counts) {
    const row = cells.get(new Date(count.bucket).getTime());
    if (row) row[seriesOf(count)] += count.count;
  }

  const rows = buckets.map((at) => {
    const row = cells.get(at) ?? [];
    return { bucket: new Date(at).toISOString(), cells: row, total: row.reduce((a, b) => a + b, 0) };
  });
  const max = Math.max(1, ...rows.map((row) => row.total));
  // At least 5, so the five gridlines fall on whole numbers.
  const top = niceCeiling(Math.max(5, max));
  const plotHeight = PLOT.bottom - PLOT.top;
  const slot = (PLOT.right - PLOT.left) / Math.max(1, buckets.length);
  const barWidth = Math.max(1, slot * 0.8);
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));

  const bars = rows.map((row, index) => {
    let base = PLOT.bottom;
    const x = PLOT.left + index * slot + (slot - barWidth) / 2;
    const segments = row.cells.flatMap((value, series) => {
      if (value === 0) return [];
      const height = (value / top) * plotHeight;
      base -= height;
      return [
        {
          x: round(x),
          y: round(base),
          width: round(barWidth),
          height: round(height),
          swatch: `s${series}`,
          title: `${bucketLabel(row.bucket, bucketSeconds)}: ${value} ${labels[series]}`,
        },
      ];
    });
    return { label: row.bucket, segments };
  });

  return {
    width: WIDTH,
    height: HEIGHT,
    plot: PLOT,
    series: labels.map((label, index) => ({
      label,
      swatch: `s${index}`,
      total: rows.reduce((sum, row) => sum + row.cells[index], 0),
    })),
    bars,
    ticks: [0, 0.2, 0.4, 0.6, 0.8, 1].map((share) => ({
      y: round(PLOT.bottom - share * plotHeight),
      value: Math.round(share * top),
    })),
    xLabels: rows
      .map((row, index) => ({ index, text: bucketLabel(row.bucket, bucketSeconds) }))
      .filter(({ index }) => index % labelEvery === 0)
      .map(({ index, text }) => ({ x: round(PLOT.left + index * slot + slot / 2), text })),
    rows,
    total: rows.reduce((sum, row) => sum + row.total, 0),
    allowed: rows.reduce((sum, row) => sum + row.cells[0], 0),
    refused: rows.reduce((sum, row) => sum + row.total - row.cells[0], 0),
  };
}

function bucketLabel(iso: string, bucketSeconds: number): string {
  if (bucketSeconds >= 86400) return iso.slice(0, 10);
  return iso.slice(11, 16);
}

/** 1, 2, 5 × 10^n at or above the value: round axis figures. */
function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) if (factor * magnitude >= value) return factor * magnitude;
  return 10 * magnitude;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
