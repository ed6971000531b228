import type { FeedbackPeriodLength } from '@praesidium/config';
import {
  duePeriods,
  isSettled,
  nextPeriod,
  periodContaining,
  periodFrom,
  type PeriodSetting,
} from './feedback-periods.js';

const at = (iso: string) => new Date(iso);
const iso = (period: { start: Date; end: Date }) => [period.start.toISOString(), period.end.toISOString()];
/** One length in force all along, as on an installation that never changed it. */
const always = (length: FeedbackPeriodLength): PeriodSetting[] => [
  { length, since: at('2020-01-01T00:00:00Z') },
];
const WEEK = { unit: 'week' } as const;
const MONTH = { unit: 'month' } as const;

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
    const cursor = { settings: always(WEEK), after: at('2026-01-14T10:00:00Z') };
    expect(duePeriods(cursor, at('2026-01-18T23:00:00Z'), 10)).toEqual([]);
    expect(duePeriods(cursor, at('2026-02-03T12:00:00Z'), 10).map(iso)).toEqual([
      ['2026-01-12T00:00:00.000Z', '2026-01-19T00:00:00.000Z'],
      ['2026-01-19T00:00:00.000Z', '2026-01-26T00:00:00.000Z'],
      ['2026-01-26T00:00:00.000Z', '2026-02-02T00:00:00.000Z'],
    ]);
    expect(duePeriods(cursor, at('2026-02-03T12:00:00Z'), 2)).toHaveLength(2);
  });

  it('never records a period twice: the next one starts where the last one recorded ended', () => {
    const after = at('2026-01-01T00:00:00Z');
    expect(
      duePeriods(
        { settings: always(WEEK), after, lastEnd: at('2026-01-26T00:00:00Z') },
        at('2026-02-03T00:00:00Z'),
        10,
      ).map(iso),
    ).toEqual([['2026-01-26T00:00:00.000Z', '2026-02-02T00:00:00.000Z']]);
  });
});

describe('a change of the period length', () => {
  const after = at('2026-01-01T00:00:00Z');
  // Weekly until Wednesday 11 February 2026, monthly from then on.
  const weekThenMonth: PeriodSetting[] = [
    { length: WEEK, since: at('2025-06-01T00:00:00Z') },
    { length: MONTH, since: at('2026-02-11T09:30:00Z') },
  ];
  const cover = (periods: readonly { start: Date; end: Date }[]) => {
    // Back to back: no gap, no overlap.
    for (const [index, period] of periods.slice(1).entries())
      expect(period.start.getTime()).toBe(periods[index].end.getTime());
  };

  it('completes the week under way, records the rest of the month as one transition, then whole months', () => {
    // The last week recorded ended on Monday 9 February; the change came on the 11th.
    const due = duePeriods(
      { settings: weekThenMonth, after, lastEnd: at('2026-02-09T00:00:00Z') },
      at('2026-04-02T00:00:00Z'),
      10,
    );
    expect(due.map((period) => [...iso(period), period.length.unit, period.isTransition])).toEqual([
      ['2026-02-09T00:00:00.000Z', '2026-02-16T00:00:00.000Z', 'week', false],
      ['2026-02-16T00:00:00.000Z', '2026-03-01T00:00:00.000Z', 'month', true],
      ['2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', 'month', false],
    ]);
    cover([{ start: at('2026-02-02T00:00:00Z'), end: at('2026-02-09T00:00:00Z') }, ...due]);
  });

  it('records the weeks that closed before the change as weeks, after an outage too', () => {
    const due = duePeriods(
      { settings: weekThenMonth, after, lastEnd: at('2026-01-26T00:00:00Z') },
      at('2026-03-01T00:00:30Z'),
      10,
    );
    expect(due.map((period) => iso(period)[0].slice(0, 10))).toEqual([
      '2026-01-26',
      '2026-02-02',
      '2026-02-09',
      '2026-02-16',
    ]);
    expect(due.map((period) => period.isTransition)).toEqual([false, false, false, true]);
    cover(due);
  });

  it('from months to weeks: the month under way completes, then the days to the next Monday are a transition', () => {
    const monthThenWeek: PeriodSetting[] = [
      { length: MONTH, since: at('2025-06-01T00:00:00Z') },
      { length: WEEK, since: at('2026-02-11T09:30:00Z') },
    ];
    const next = nextPeriod({ settings: monthThenWeek, after, lastEnd: at('2026-02-01T00:00:00Z') });
    expect([...iso(next), next.isTransition]).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      false,
    ]);
    // 1 March 2026 is a Sunday: one day to the first Monday, then ISO weeks.
    const after1March = periodFrom(next.end, monthThenWeek);
    expect([...iso(after1March), after1March.isTransition]).toEqual([
      '2026-03-01T00:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
      true,
    ]);
    expect(iso(periodFrom(after1March.end, monthThenWeek))).toEqual([
      '2026-03-02T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
    ]);
  });

  it('needs no transition when the new grid meets the old one (weeks to days)', () => {
    const weekThenDay: PeriodSetting[] = [
      { length: WEEK, since: at('2025-06-01T00:00:00Z') },
      { length: { unit: 'day' }, since: at('2026-02-11T09:30:00Z') },
    ];
    const next = periodFrom(at('2026-02-16T00:00:00Z'), weekThenDay);
    expect([...iso(next), next.isTransition]).toEqual([
      '2026-02-16T00:00:00.000Z',
      '2026-02-17T00:00:00.000Z',
      false,
    ]);
  });
});
