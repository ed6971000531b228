// Clinician feedback becomes post-market data: real calls through the gateway, verdicts on them, the
// summary read from governance, and the period recorded as performance whose floor breach is an alert.
import { LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { giveFeedback, inferAsClinician } from '../support/feedback.js';
import { call, type JsonResponse } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const VERSION_PATH = `/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0`;
const HOUR_MS = 3_600_000;

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
      platform = await startTestPlatform(database);
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
  },
);
