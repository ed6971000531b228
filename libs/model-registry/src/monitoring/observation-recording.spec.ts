import { onRequest, withRecording } from './observation-recording.js';

describe('telling the schedule’s periods from recordings on request', () => {
  const span = { periodStart: '2026-02-02T00:00:00Z', periodEnd: '2026-02-09T00:00:00Z' };
  const scheduled = { id: 'a', ...span, createdBy: 'system:feedback-schedule' };
  const review = { id: 'b', ...span, createdBy: 'ra-officer' };
  // A token whose subject reads like the schedule's: its recording is still one on request.
  const lookalike = { id: 'c', ...span, createdBy: 'system:feedback-schedule' };

  it('marks an observation as the schedule’s only when the schedule’s own record names it', () => {
    const listed = withRecording(
      [scheduled, review, lookalike],
      [{ observationId: 'a', period: 'week', isTransition: false }],
    );
    expect(listed.map(({ id, recording, schedule }) => ({ id, recording, schedule }))).toEqual([
      { id: 'a', recording: 'schedule', schedule: { period: 'week', isTransition: false } },
      { id: 'b', recording: 'request', schedule: null },
      { id: 'c', recording: 'request', schedule: null },
    ]);
    // Nothing else changes, and the order is kept.
    expect(listed[1]).toMatchObject(review);
  });

  it('keeps what the schedule noted: the period length it was cut on, and a transition', () => {
    const [listed] = withRecording([scheduled], [{ observationId: 'a', period: null, isTransition: true }]);
    expect(listed.schedule).toEqual({ period: null, isTransition: true });
  });

  it('returns a recording on request as such', () => {
    expect(onRequest(review)).toEqual({ ...review, recording: 'request', schedule: null });
  });
});
