import { periodMismatch, periodSettings } from './feedback-period-settings.js';

const at = (iso: string) => new Date(iso);

describe('the period a schedule run records by', () => {
  const weekThenMonth = periodSettings([
    { period: 'week', inForceFrom: at('2026-01-01T00:00:00Z') },
    { period: 'month', inForceFrom: at('2026-02-11T09:30:00Z') },
  ]);

  it('records with the period it was queued with when that is the one in force', () => {
    expect(periodMismatch({ unit: 'month' }, weekThenMonth)).toBeUndefined();
    expect(
      periodMismatch(
        { unit: 'seconds', seconds: 60 },
        periodSettings([{ period: '60', inForceFrom: at('2026-01-01T00:00:00Z') }]),
      ),
    ).toBeUndefined();
  });

  it('refuses a run queued with another period: before the change, or by a process set otherwise', () => {
    expect(periodMismatch({ unit: 'week' }, weekThenMonth)).toBe(
      'the run was queued with the period week, but month is in force since 2026-02-11T09:30:00.000Z: it was queued before the change, or by a governance process started with another PRAESIDIUM_FEEDBACK_PERIOD',
    );
    // Seven days in seconds cut the same grid as a week, but say another setting: refused too.
    expect(periodMismatch({ unit: 'seconds', seconds: 604_800 }, weekThenMonth)).toMatch(
      /queued with the period 604800/,
    );
  });

  it('refuses a run that names no period, and any run before a period is in force', () => {
    expect(periodMismatch(undefined, weekThenMonth)).toMatch(/names no period/);
    expect(periodMismatch({ unit: 'week' }, [])).toMatch(/no period is in force yet/);
  });

  it('reads the stored settings oldest first, and refuses to guess one it cannot read', () => {
    expect(weekThenMonth.map((setting) => setting.length)).toEqual([{ unit: 'week' }, { unit: 'month' }]);
    expect(() => periodSettings([{ period: 'fortnight', inForceFrom: at('2026-01-01T00:00:00Z') }])).toThrow(
      /not a period length/,
    );
  });
});
