import { duePeriods, isSettled, nextPeriod, periodContaining } from './feedback-periods.js';

const at = (iso: string) => new Date(iso);
const iso = (period: { start: Date; end: Date }) => [period.start.toISOString(), period.end.toISOString()];

describe('feedback surveillance periods', () => {
  it('cuts time into UTC days, ISO weeks from Monday, calendar months and fixed seconds', () => {
    const wednesday = at('2026-01-14T15:30:00Z');
    expect(iso(periodContaining(wednesday, { unit: 'day' }))).toEqual([
      '2026-01-14T00:00:00.000Z',
      '2026-01-15T00:00:00.000Z',
    ]);
    expect(iso(periodContaining(wednesday, { unit: 'week' }))).toEqual([
      '2026-01-12T00:00:00.000Z',
      '2026-01-19T00:00:00.000Z',
    ]);
    expect(iso(periodContaining(at('2024-02-29T23:59:59Z'), { unit: 'month' }))).toEqual([
      '2024-02-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
    expect(iso(periodContaining(wednesday, { unit: 'seconds', seconds: 3600 }))).toEqual([
      '2026-01-14T15:00:00.000Z',
      '2026-01-14T16:00:00.000Z',
    ]);
  });

  it('counts a period once it has been closed for ten seconds, or for its own length if shorter', () => {
    const week = periodContaining(at('2026-01-14T00:00:00Z'), { unit: 'week' });
    expect(isSettled(week, at('2026-01-19T00:00:09Z'))).toBe(false);
    expect(isSettled(week, at('2026-01-19T00:00:10Z'))).toBe(true);
    const short = periodContaining(at('2026-01-14T00:00:00Z'), { unit: 'seconds', seconds: 2 });
    expect(isSettled(short, at('2026-01-14T00:00:03Z'))).toBe(false);
    expect(isSettled(short, at('2026-01-14T00:00:04Z'))).toBe(true);
  });

  it('starts with the period the floors came into force in, and catches up oldest first', () => {
    const cursor = { length: { unit: 'week' as const }, after: at('2026-01-14T10:00:00Z') };
    expect(duePeriods(cursor, at('2026-01-18T23:00:00Z'), 10)).toEqual([]);
    expect(duePeriods(cursor, at('2026-02-03T12:00:00Z'), 10).map(iso)).toEqual([
      ['2026-01-12T00:00:00.000Z', '2026-01-19T00:00:00.000Z'],
      ['2026-01-19T00:00:00.000Z', '2026-01-26T00:00:00.000Z'],
      ['2026-01-26T00:00:00.000Z', '2026-02-02T00:00:00.000Z'],
    ]);
    expect(duePeriods(cursor, at('2026-02-03T12:00:00Z'), 2)).toHaveLength(2);
  });

  it('never records a period twice, nor one overlapping the last recorded after the grid changed', () => {
    const length = { unit: 'week' as const };
    const after = at('2026-01-01T00:00:00Z');
    expect(
      duePeriods({ length, after, lastEnd: at('2026-01-26T00:00:00Z') }, at('2026-02-03T00:00:00Z'), 10).map(
        iso,
      ),
    ).toEqual([['2026-01-26T00:00:00.000Z', '2026-02-02T00:00:00.000Z']]);
    // Monthly periods before, weekly now: the week holding the last month's end is skipped.
    const next = nextPeriod({ length, after, lastEnd: at('2026-02-01T00:00:00Z') });
    expect(iso(next)).toEqual(['2026-02-02T00:00:00.000Z', '2026-02-09T00:00:00.000Z']);
  });
});
