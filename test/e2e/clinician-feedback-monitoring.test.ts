// Clinician feedback becomes post-market data: real calls through the gateway, verdicts on them, the
// summary read from governance, and the period recorded as performance whose floor breach is an alert;
// then floors declared once for the version, and the schedule recording each closed period by itself.
import { LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { eventually } from '../support/eventually.js';
import { giveFeedback, inferAsClinician } from '../support/feedback.js';
import { call, type JsonResponse } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const VERSION_PATH = `/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0`;
const HOUR_MS = 3_600_000;
const SCHEDULE = 'system:feedback-schedule';

interface Observation {
  id: string;
  periodStart: string;
  periodEnd: string;
  source: string;
  isAlert: boolean;
  createdBy: string;
  recording: 'schedule' | 'request';
  schedule: { period: string | null; isTransition: boolean } | null;
  result: {
    metrics: { metric: string; subgroup: string; value: number }[];
    floors: { metric: string; subgroup: string; minimum: number }[];
    breaches: { metric: string; observed?: number }[];
    floorsRevision?: number;
  };
}

const overallCount = (observation: Observation) =>
  observation.result.metrics.find((m) => m.metric === 'feedback_count' && m.subgroup === 'overall')?.value ??
  0;

function expectProblem(response: JsonResponse, status: number, code: string) {
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

describe.each(['postgres', 'pglite'] as const)(
  'clinician feedback feeds post-market monitoring on %s',
  (database) => {
    let platform: TestPlatform;
    let governance: string;
    let clinician: string;
    let owner: string;
    let ra: string;
    // The feedback below is recorded now: this period holds it, the one before holds none.
    const period = {
      periodStart: new Date(Date.now() - HOUR_MS).toISOString(),
      periodEnd: new Date(Date.now() + HOUR_MS).toISOString(),
    };

    beforeAll(async () => {
      // One-second periods, looked for every second: the schedule's weeks, in a test's time.
      platform = await startTestPlatform(database, {
        PRAESIDIUM_FEEDBACK_PERIOD: '1',
        PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS: '1',
      });
      governance = platform.config.http.governanceUrl;
      clinician = await platform.token('pain-clinician');
      owner = await platform.token('model-owner');
      ra = await platform.token('regulatory-affairs');

      const outputs = await Promise.all([1, 2, 3, 4].map(() => inferAsClinician(platform, clinician)));
      await giveFeedback(platform, clinician, outputs[0], 'accepted', 'output.agrees_with_assessment');
      await giveFeedback(platform, clinician, outputs[1], 'modified', 'output.incomplete');
      await giveFeedback(platform, clinician, outputs[2], 'rejected', 'output.incorrect');
      // A change of mind on the fourth output: only the latest verdict counts.
      await giveFeedback(platform, clinician, outputs[3], 'accepted', 'output.agrees_with_assessment');
      await giveFeedback(platform, clinician, outputs[3], 'rejected', 'output.unsafe');
      // Two outputs under one correlation id the caller chose and reused: two judgments.
      for (const ageYears of [58, 71]) {
        const output = await inferAsClinician(platform, clinician, {
          ageYears,
          correlationId: 'encounter-0001',
        });
        await giveFeedback(platform, clinician, output, 'accepted', 'output.agrees_with_assessment');
      }
    });
    afterAll(async () => {
      await platform?.stop();
    });

    const summary = (token: string, query: Record<string, string>, path = VERSION_PATH) =>
      call('GET', `${governance}${path}/feedback-summary?${new URLSearchParams(query).toString()}`, {
        token,
      });

    it('summarizes the verdicts of a version over a period from the audit trail', async () => {
      const response = await summary(ra, period);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        model: LUMBAR_ESI_MODEL_NAME,
        version: '1.0.0',
        total: 6,
        byVerdict: { accepted: 3, modified: 1, rejected: 2 },
        byReason: {
          'output.agrees_with_assessment': 3,
          'output.incomplete': 1,
          'output.incorrect': 1,
          'output.unsafe': 1,
          'output.other': 0,
        },
        acceptanceRate: 0.5,
        overrideRate: 0.5,
      });

      const before = await summary(ra, {
        periodStart: new Date(Date.now() - 48 * HOUR_MS).toISOString(),
        periodEnd: period.periodStart,
      });
      expect(before.body).toMatchObject({ total: 0, acceptanceRate: null, overrideRate: null });
    });

    it('refuses a period that ends before it starts, an unknown version, and a reader without the right', async () => {
      expectProblem(
        await summary(ra, { periodStart: period.periodEnd, periodEnd: period.periodStart }),
        400,
        'request.invalid',
      );
      expectProblem(await summary(ra, { periodStart: period.periodStart }), 400, 'request.invalid');
      expectProblem(
        await summary(ra, period, `/models/${LUMBAR_ESI_MODEL_NAME}/versions/9.9.9`),
        404,
        'model_version.unknown',
      );
      const recording = await call('POST', `${governance}${VERSION_PATH}/performance/clinician-feedback`, {
        token: clinician,
        body: period,
      });
      expectProblem(recording, 403, 'access.denied');
    });

    it('documents both operations in the OpenAPI document', async () => {
      const paths = (await call('GET', `${governance}/docs/openapi.json`)).body.paths as Record<
        string,
        Record<string, { parameters?: { name: string; in: string }[] }>
      >;
      const version = '/models/{name}/versions/{version}';
      expect(paths[`${version}/feedback-summary`]?.get?.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'periodStart', in: 'query' }),
          expect.objectContaining({ name: 'periodEnd', in: 'query' }),
        ]),
      );
      expect(paths[`${version}/performance/clinician-feedback`]?.post).toBeDefined();
    });

    it('refuses a floor on the override rate: floors are minimums', async () => {
      const response = await call('POST', `${governance}${VERSION_PATH}/performance/clinician-feedback`, {
        token: owner,
        body: { ...period, floors: [{ metric: 'feedback_override_rate', minimum: 0.2 }] },
      });
      expectProblem(response, 400, 'request.invalid');
      expect(JSON.stringify(response.body)).toContain('feedback_acceptance_rate');
    });

    it('records the period as performance; a floor not met is an audited alert in the series', async () => {
      const recorded = await call('POST', `${governance}${VERSION_PATH}/performance/clinician-feedback`, {
        token: owner,
        body: {
          ...period,
          floors: [
            { metric: 'feedback_acceptance_rate', minimum: 0.7 },
            { metric: 'feedback_count', minimum: 3 },
          ],
        },
      });
      expect(recorded.status).toBe(201);
      expect(recorded.body).toMatchObject({
        source: 'clinician-feedback',
        isAlert: true,
        result: { breaches: [{ metric: 'feedback_acceptance_rate', minimum: 0.7, observed: 0.5 }] },
        summary: { total: 6, overrideRate: 0.5 },
      });
      const metrics = (recorded.body.result as { metrics: unknown[] }).metrics;
      expect(metrics).toEqual(
        expect.arrayContaining([
          { metric: 'feedback_count', subgroup: 'overall', value: 6 },
          { metric: 'feedback_count', subgroup: 'verdict=rejected', value: 2 },
          { metric: 'feedback_count', subgroup: 'reason=output.unsafe', value: 1 },
          { metric: 'feedback_override_rate', subgroup: 'overall', value: 0.5 },
        ]),
      );

      const series = await call('GET', `${governance}${VERSION_PATH}/performance`, { token: ra });
      expect(series.body).toEqual([
        expect.objectContaining({ id: recorded.body.id, source: 'clinician-feedback', isAlert: true }),
      ]);

      const officer = await platform.token('security-officer');
      const audit = await call(
        'GET',
        `${governance}/audit/events?limit=100&action=model_version.performance_alert`,
        { token: officer },
      );
      expect(audit.body.records).toEqual([
        expect.objectContaining({
          event: expect.objectContaining({
            outcome: 'success',
            agent: expect.objectContaining({ roles: ['model-owner'] }),
            entity: expect.objectContaining({ model: LUMBAR_ESI_MODEL_NAME, modelVersion: '1.0.0' }),
          }),
        }),
      ]);
    });

    // Below, the version declares floors: from then on the schedule records its periods, every second.
    const declared = [
      { metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 0.9 },
      { metric: 'feedback_count', subgroup: 'overall', minimum: 1 },
    ];
    const performance = async () =>
      (await call('GET', `${governance}${VERSION_PATH}/performance`, { token: ra }))
        .body as unknown as Observation[];
    const scheduled = async () => (await performance()).filter((o) => o.recording === 'schedule');

    it('declares floors once per version, as audited revisions; refuses floors no observation reports', async () => {
      const floorsPath = `${governance}${VERSION_PATH}/feedback-floors`;
      expectProblem(
        await call('PUT', floorsPath, { token: clinician, body: { floors: declared, reason: 'plan' } }),
        403,
        'access.denied',
      );
      const typo = await call('PUT', floorsPath, {
        token: owner,
        body: { floors: [{ metric: 'feedback_acceptence_rate', minimum: 0.9 }], reason: 'plan' },
      });
      expectProblem(typo, 400, 'request.invalid');
      const first = await call('PUT', floorsPath, {
        token: owner,
        body: { floors: [{ metric: 'feedback_count', minimum: 1 }], reason: 'PMS plan v1' },
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ revision: 1, declaredBy: expect.any(String) });
      const second = await call('PUT', floorsPath, {
        token: ra,
        body: { floors: declared, reason: 'PMS plan v2: acceptance threshold from the risk analysis' },
      });
      expect(second.body).toMatchObject({ revision: 2, floors: declared });

      const read = await call('GET', floorsPath, { token: ra });
      expect(read.body).toMatchObject({
        current: { revision: 2, floors: declared },
        revisions: [{ revision: 2 }, { revision: 1, reason: 'PMS plan v1' }],
      });
      const officer = await platform.token('security-officer');
      const audit = await call(
        'GET',
        `${governance}/audit/events?action=model_version.feedback_floors_declared`,
        { token: officer },
      );
      const records = audit.body.records as { event: { outcome: string; requestSha256?: string } }[];
      expect(records.map((record) => record.event.requestSha256)).toEqual([
        second.body.floorsSha256,
        first.body.floorsSha256,
      ]);

      // A recording on request that gives no floors is held to the declared ones.
      const recorded = await call('POST', `${governance}${VERSION_PATH}/performance/clinician-feedback`, {
        token: owner,
        body: period,
      });
      expect(recorded.body).toMatchObject({ isAlert: true, result: { floors: declared, floorsRevision: 2 } });
    });

    it('records each closed period by itself against the declared floors: a breach is an audited alert', async () => {
      // From the next period's start on, so that the earlier verdicts fall in earlier periods.
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
      const judgedFrom = Date.now();
      const clinicianOutputs = await Promise.all([1, 2].map(() => inferAsClinician(platform, clinician)));
      await giveFeedback(platform, clinician, clinicianOutputs[0], 'rejected', 'output.incorrect');
      await giveFeedback(platform, clinician, clinicianOutputs[1], 'modified', 'output.incomplete');
      const judgedUntil = Date.now();

      // Nobody asks: the periods holding the two verdicts are recorded once closed and settled.
      const series = await eventually(
        scheduled,
        (observations) => observations.some((o) => Date.parse(o.periodEnd) > judgedUntil),
        20_000,
        200,
      );
      const covering = series.filter(
        (o) => Date.parse(o.periodEnd) > judgedFrom && Date.parse(o.periodStart) <= judgedUntil,
      );
      expect(covering.reduce((sum, o) => sum + overallCount(o), 0)).toBe(2);
      const judged = covering.find((o) => overallCount(o) > 0);
      expect(judged).toMatchObject({
        source: 'clinician-feedback',
        isAlert: true,
        result: {
          floors: declared,
          floorsRevision: 2,
          breaches: [expect.objectContaining({ metric: 'feedback_acceptance_rate', observed: 0 })],
        },
      });
      // Each period once, back to back: no gap, no overlap, no repeat.
      const starts = series.map((o) => o.periodStart);
      expect(new Set(starts).size).toBe(starts.length);
      for (const [index, observation] of series.slice(1).entries())
        expect(observation.periodStart).toBe(series[index].periodEnd);

      const officer = await platform.token('security-officer');
      const alerts = await call(
        'GET',
        `${governance}/audit/events?limit=1000&action=model_version.performance_alert&agent=${SCHEDULE}`,
        { token: officer },
      );
      expect((alerts.body.records as unknown[]).length).toBeGreaterThanOrEqual(covering.length);

      const status = await call('GET', `${governance}${VERSION_PATH}/feedback-schedule`, { token: ra });
      expect(status.body).toMatchObject({
        period: { unit: 'seconds', seconds: 1 },
        isScheduled: true,
        floors: { revision: 2 },
        lastRecorded: { isAlert: true, floorsRevision: 2 },
      });
      expect(status.body.recordedPeriods).toBeGreaterThanOrEqual(series.length);
    });

    it('records the closed periods now on request; beside the timer’s runs, no period twice', async () => {
      const runs = `${governance}/post-market/feedback-schedule/runs`;
      expectProblem(await call('POST', runs, { token: clinician }), 403, 'access.denied');
      const started = await Promise.all([owner, ra].map((token) => call('POST', runs, { token })));
      const jobs = await Promise.all(
        started.map((answer, index) => {
          expect(answer.status).toBe(202);
          const token = index === 0 ? owner : ra;
          return eventually(
            () => call('GET', `${governance}${answer.body.status as string}`, { token }),
            (job) => job.body.state === 'completed',
            15_000,
            100,
          );
        }),
      );
      for (const job of jobs)
        expect(job.body).toMatchObject({ state: 'completed', result: { recorded: expect.any(Array) } });
      const starts = (await scheduled()).map((o) => o.periodStart);
      expect(new Set(starts).size).toBe(starts.length);
    });

    it('lists a review on request of a period the schedule recorded apart from it: the schedule counts each period once', async () => {
      // The floors withdrawn, the schedule stops; what it recorded stays (a run under way finishes).
      const floorsPath = `${governance}${VERSION_PATH}/feedback-floors`;
      await call('PUT', floorsPath, { token: ra, body: { floors: [], reason: 'plan under revision' } });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const before = await call('GET', `${governance}${VERSION_PATH}/feedback-schedule`, { token: ra });
      const series = await scheduled();
      expect(series.length).toBe(before.body.recordedPeriods);
      expect(series.every((o) => o.createdBy === SCHEDULE && o.schedule?.period === '1')).toBe(true);
      const target = series.find((o) => overallCount(o) > 0) ?? series[series.length - 1];

      // An ad-hoc review of exactly that span, on request.
      const review = await call('POST', `${governance}${VERSION_PATH}/performance/clinician-feedback`, {
        token: owner,
        body: { periodStart: target.periodStart, periodEnd: target.periodEnd, floors: target.result.floors },
      });
      expect(review.status).toBe(201);
      expect(review.body).toMatchObject({ recording: 'request', schedule: null });

      // Both are listed, told apart; the schedule's series still has the period once.
      const all = await performance();
      const sameSpan = all.filter(
        (o) => o.periodStart === target.periodStart && o.periodEnd === target.periodEnd,
      );
      expect(sameSpan.map((o) => [o.id, o.recording])).toEqual(
        expect.arrayContaining([
          [target.id, 'schedule'],
          [review.body.id, 'request'],
        ]),
      );
      expect(sameSpan).toHaveLength(2);
      const after = await scheduled();
      expect(after.map((o) => o.id)).toEqual(series.map((o) => o.id));
      const status = await call('GET', `${governance}${VERSION_PATH}/feedback-schedule`, { token: ra });
      expect(status.body.recordedPeriods).toBe(before.body.recordedPeriods);
      expect(status.body.lastRecorded).toEqual(before.body.lastRecorded);
      expect((status.body.lastRecorded as { observationId: string }).observationId).not.toBe(review.body.id);

      // The EU MDR post-market document lists the review apart and counts it apart.
      const onRequest = all.length - series.length;
      const created = await call('POST', `${governance}/documents`, {
        token: ra,
        body: { kind: 'eu-mdr-annex-iii', model: LUMBAR_ESI_MODEL_NAME, version: '1.0.0' },
      });
      expect(created.status).toBe(202);
      const job = await eventually(
        () => call('GET', `${governance}/jobs/${created.body.jobId as string}`, { token: ra }),
        (answer) => answer.body.state === 'completed' || answer.body.state === 'failed',
        30_000,
        200,
      );
      expect(job.body.state).toBe('completed');
      const html = await (
        await fetch(`${governance}/documents/${created.body.id as string}/content`, {
          headers: { authorization: `Bearer ${ra}` },
        })
      ).text();
      expect(html).toContain(
        `${series.length} period(s) recorded by the feedback schedule and ${onRequest} performance observation(s) recorded on request`,
      );
      expect(html.match(/, recorded on request:</g)).toHaveLength(onRequest);
      expect(html.match(/Recorded by the feedback schedule \(period 1\)/g)).toHaveLength(series.length);
    });
  },
);
