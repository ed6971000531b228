import { decisionChart } from './decision-chart.js';

const since = new Date('2026-11-29T10:00:00Z');
const until = new Date('2026-11-29T13:00:00Z');
const at = (hour: number) => `2026-11-29T${String(hour).padStart(2, '0')}:00:00.000Z`;

describe('decisionChart', () => {
  it('gives every hour a bar, allowed first then each refusal reason, with the figures as a table', () => {
    const chart = decisionChart(
      [
        { bucket: at(10), outcome: 'success', reasonCode: null, count: 3 },
        { bucket: at(10), outcome: 'refused', reasonCode: 'consent.denied', count: 2 },
        { bucket: at(12), outcome: 'refused', reasonCode: 'access.denied', count: 1 },
      ],
      since,
      until,
      3600,
    );
    expect(chart.rows.map((row) => row.total)).toEqual([5, 0, 1]);
    expect(chart.series.map((series) => series.label)).toEqual([
      'allowed',
      'refused: consent.denied',
      'refused: access.denied',
    ]);
    expect([chart.total, chart.allowed, chart.refused]).toEqual([6, 3, 3]);
    expect(chart.bars[1].segments).toEqual([]);
    const [allowed, denied] = chart.bars[0].segments;
    expect(allowed.title).toBe('10:00: 3 allowed');
    expect(denied.y + denied.height).toBeCloseTo(allowed.y, 1);
  });

  it('sums reasons beyond the six most frequent as other refusals', () => {
    const counts = Array.from({ length: 8 }, (_, index) => ({
      bucket: at(11),
      outcome: 'refused',
      reasonCode: `reason.${index}`,
      count: 10 - index,
    }));
    const chart = decisionChart(counts, since, until, 3600);
    expect(chart.series).toHaveLength(8);
    expect(chart.series.at(-1)).toMatchObject({ label: 'other refusals', total: 4 + 3 });
  });

  it('keeps the axis on whole numbers when there is nothing to show', () => {
    const chart = decisionChart([], since, until, 3600);
    expect(chart.ticks.map((tick) => tick.value)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(chart.total).toBe(0);
  });
});
