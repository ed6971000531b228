/**
 * Reads again until `holds` accepts the reading or `deadlineMs` passes, and returns the last reading
 * either way, so the test's own assertion says what was missing. For what lands shortly after an
 * answer: the outcome (`inference.response`) record of an answer released before it committed
 * (outcome audit `after-release`, the default).
 */
export async function eventually<T>(
  read: () => Promise<T>,
  holds: (reading: T) => boolean,
  deadlineMs = 5000,
  pauseMs = 25,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const reading = await read();
    if (holds(reading) || Date.now() - started > deadlineMs) return reading;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** For `eventually`: the audit events of one call hold its outcome record. */
export function withOutcome(events: readonly object[]): boolean {
  return events.some((event) => 'action' in event && event.action === 'inference.response');
}
