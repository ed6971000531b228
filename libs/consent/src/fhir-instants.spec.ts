import { instantSpan } from './fhir-instants.js';

const at = (iso: string) => Date.parse(iso);

describe('the span a FHIR date or dateTime denotes', () => {
  it('reads a date without a time in any zone when the site names none', () => {
    expect(instantSpan('2026-11-24')).toEqual({
      earliestStart: at('2026-11-23T10:00:00Z'),
      latestStart: at('2026-11-24T12:00:00Z'),
      earliestEnd: at('2026-11-24T09:59:59.999Z'),
      latestEnd: at('2026-11-25T11:59:59.999Z'),
    });
  });

  it("reads it as the site's day, month or year when the site names its zone", () => {
    expect(instantSpan('2026-11-24', 'Europe/Berlin')).toEqual({
      earliestStart: at('2026-11-23T23:00:00Z'),
      latestStart: at('2026-11-23T23:00:00Z'),
      earliestEnd: at('2026-11-24T22:59:59.999Z'),
      latestEnd: at('2026-11-24T22:59:59.999Z'),
    });
    expect(instantSpan('2026-07', 'America/New_York')).toMatchObject({
      latestStart: at('2026-07-01T04:00:00Z'),
      earliestEnd: at('2026-08-01T03:59:59.999Z'),
    });
    expect(instantSpan('2026', 'Asia/Kolkata')).toMatchObject({
      latestStart: at('2025-12-31T18:30:00Z'),
      earliestEnd: at('2026-12-31T18:29:59.999Z'),
    });
  });

  it('follows daylight saving: a day that changes the clock is 23 or 25 hours long', () => {
    const spring = instantSpan('2026-03-29', 'Europe/Berlin');
    expect(spring).toMatchObject({
      latestStart: at('2026-03-28T23:00:00Z'),
      earliestEnd: at('2026-03-29T21:59:59.999Z'),
    });
    const autumn = instantSpan('2026-10-25', 'Europe/Berlin');
    expect(autumn).toMatchObject({
      latestStart: at('2026-10-24T22:00:00Z'),
      earliestEnd: at('2026-10-25T22:59:59.999Z'),
    });
  });

  it('keeps a value with a time one instant, whatever the zone', () => {
    const span = instantSpan('2026-11-24T08:30:00+01:00', 'America/New_York');
    expect(span).toEqual({
      earliestStart: at('2026-11-24T07:30:00Z'),
      latestStart: at('2026-11-24T07:30:00Z'),
      earliestEnd: at('2026-11-24T07:30:00Z'),
      latestEnd: at('2026-11-24T07:30:00Z'),
    });
  });

  it('names no time for a date that does not exist', () => {
    expect(instantSpan('2026-02-30', 'Europe/Berlin')).toBeUndefined();
  });
});
