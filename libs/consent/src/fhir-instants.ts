const HOUR_MS = 3_600_000;
/** The furthest UTC offsets a local date may be in (UTC+14:00, UTC-12:00). */
const EARLIEST_ZONE_MS = 14 * HOUR_MS;
const LATEST_ZONE_MS = 12 * HOUR_MS;

const PARTIAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Where the span a FHIR `date` or `dateTime` denotes may begin and end, in milliseconds. */
export interface InstantSpan {
  readonly earliestStart: number;
  readonly latestStart: number;
  readonly earliestEnd: number;
  readonly latestEnd: number;
}

/**
 * The span a FHIR `date` or `dateTime` denotes; undefined when it names no real time (`2023-02-30`, a
 * leap second JavaScript cannot represent). A value with a time is one instant. A value without
 * (`2023`, `2023-06`, `2023-12-31`) is the whole year, month or day in `timeZone` (the site's, IANA)
 * if given, else in whichever time zone it was written: `2023-12-31` then ends between
 * 2023-12-31T10:00Z and 2024-01-01T12:00Z.
 */
export function instantSpan(value: string, timeZone?: string): InstantSpan | undefined {
  const partial = PARTIAL_DATE.exec(value);
  if (partial) {
    const utc = partialDateSpan(partial);
    if (!utc) return undefined;
    const [start, end] = utc;
    if (timeZone !== undefined) {
      const [zonedStart, zonedEnd] = [localInstant(start, timeZone), localInstant(end + 1, timeZone) - 1];
      return {
        earliestStart: zonedStart,
        latestStart: zonedStart,
        earliestEnd: zonedEnd,
        latestEnd: zonedEnd,
      };
    }
    return {
      earliestStart: start - EARLIEST_ZONE_MS,
      latestStart: start + LATEST_ZONE_MS,
      earliestEnd: end - EARLIEST_ZONE_MS,
      latestEnd: end + LATEST_ZONE_MS,
    };
  }
  const full = DATE_TIME.exec(value);
  if (!full || !isCalendarDate(Number(full[1]), Number(full[2]), Number(full[3]))) return undefined;
  const instant = Date.parse(value);
  if (Number.isNaN(instant)) return undefined;
  return { earliestStart: instant, latestStart: instant, earliestEnd: instant, latestEnd: instant };
}

/** The year, month or day as a span of UTC milliseconds. */
function partialDateSpan([, y, m, d]: RegExpExecArray): readonly [number, number] | undefined {
  const [year, month, day] = [
    Number(y),
    m === undefined ? undefined : Number(m),
    d === undefined ? undefined : Number(d),
  ];
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && !isCalendarDate(year, month as number, day)) return undefined;
  const start = Date.UTC(year, (month ?? 1) - 1, day ?? 1);
  const next =
    day !== undefined
      ? Date.UTC(year, (month as number) - 1, day + 1)
      : month !== undefined
        ? Date.UTC(year, month, 1)
        : Date.UTC(year + 1, 0, 1);
  return [start, next - 1];
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * The instant at which the wall-clock time `wall` (its fields written as UTC milliseconds) occurs in
 * `timeZone`. Twice: the zone's offset at the first guess may differ from the offset at the answer
 * (a daylight-saving change between them). A wall time skipped by a change (a spring-forward hour)
 * comes out as the instant after the gap.
 */
function localInstant(wall: number, timeZone: string): number {
  const first = wall - zoneOffset(wall, timeZone);
  return wall - zoneOffset(first, timeZone);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
function zoneOffset(instant: number, timeZone: string): number {
  const fields = Object.fromEntries(
    wallClock(timeZone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  const asUtc = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour,
    fields.minute,
    fields.second,
  );
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

function wallClock(timeZone: string): Intl.DateTimeFormat {
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClocks.set(timeZone, format);
  }
  return format;
}
