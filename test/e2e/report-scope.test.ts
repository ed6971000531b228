import { DEFAULT_POLICY, type PolicyDocument, type PolicyRule, type Role } from '@praesidium/access';
import { LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import {
  computedBiasReport,
  EVALUATION_MAPPING,
  evaluationCsv,
  uploadEvaluation,
} from '../support/bias-reports.js';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { exampleModel } from '../support/registry-fixtures.js';
import { demoVersionBody } from '../support/registry-lifecycle.js';

function expectProblem(response: JsonResponse, status: number, code: string) {
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

/** A radiology model beside the demo's pain-medicine one (departments pain-medicine, spine-surgery). */
const RADIOLOGY_MODEL = 'knee-kl-reports';
const OF_THEIR_DEPARTMENTS = { departments: { $in: '${principal.departments}' } };
const MAPPING = `${EVALUATION_MAPPING}&resamples=200&seed=5`;
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/** `rules` of `role` for `subject` replaced by the same actions, narrowed to the caller's departments. */
function narrowed(role: Role, subject: 'BiasReport' | 'RegulatoryDocument'): PolicyRule[] {
  const rules = DEFAULT_POLICY.roles[role] ?? [];
  return [
    ...rules.filter((rule) => rule.subject !== subject),
    ...rules
      .filter((rule) => rule.subject === subject)
      .map((rule) => ({ ...rule, conditions: OF_THEIR_DEPARTMENTS })),
  ];
}

/**
 * The site's policy with bias reports and regulatory documents narrowed by department: model owners
 * record and read the bias reports of their departments' models, ethics-board members read, comment on
 * and sign those, regulatory affairs generate and read their documents. Regulatory affairs keep the
 * seed's unconditioned `read BiasReport`.
 */
function narrowedPolicy(): PolicyDocument {
  return {
    ...DEFAULT_POLICY,
    description: "bias reports and regulatory documents narrowed to the model's departments",
    roles: {
      ...DEFAULT_POLICY.roles,
      'model-owner': narrowed('model-owner', 'BiasReport'),
      'ethics-board': narrowed('ethics-board', 'BiasReport'),
      'regulatory-affairs': narrowed('regulatory-affairs', 'RegulatoryDocument'),
    },
  };
}

describe("bias reports and regulatory documents narrowed to a model's departments", () => {
  let platform: TestPlatform;
  let governance: string;
  let seedRa: string;
  const pain: Record<'owner' | 'ethics' | 'ra', string> = { owner: '', ethics: '', ra: '' };
  const radiology: Record<'owner' | 'ra', string> = { owner: '', ra: '' };

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    governance = platform.config.http.governanceUrl;
    seedRa = await platform.token('regulatory-affairs');
    expect(
      (await call('POST', `${governance}/models`, { token: seedRa, body: exampleModel(RADIOLOGY_MODEL) }))
        .status,
    ).toBe(201);
    const version = await call('POST', `${governance}/models/${RADIOLOGY_MODEL}/versions`, {
      token: seedRa,
      body: demoVersionBody(platform, '1.0.0'),
    });
    expect(version.status).toBe(201);

    const proposed = await call('POST', `${governance}/policies`, {
      token: await platform.token('security-officer'),
      body: { document: narrowedPolicy(), reason: 'reports and documents by department' },
    });
    expect(proposed.status).toBe(201);
    const approved = await call('POST', `${governance}/policies/${proposed.body.version as number}/approve`, {
      token: await platform.token('second-security-officer'),
    });
    expect(approved.status).toBe(200);
    const painMedicine = { departments: ['pain-medicine'] };
    pain.owner = await tokenFor(platform, 'pain.owner', ['model-owner'], painMedicine);
    pain.ethics = await tokenFor(platform, 'pain.ethics', ['ethics-board'], painMedicine);
    pain.ra = await tokenFor(platform, 'pain.ra', ['regulatory-affairs'], painMedicine);
    radiology.owner = await tokenFor(platform, 'rad.owner', ['model-owner'], { departments: ['radiology'] });
    radiology.ra = await tokenFor(platform, 'rad.ra', ['regulatory-affairs'], { departments: ['radiology'] });
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const upload = (token: string, modelVersion?: string) =>
    uploadEvaluation(
      governance,
      token,
      evaluationCsv(),
      modelVersion ? `${MAPPING}&modelVersion=${encodeURIComponent(modelVersion)}` : MAPPING,
    );
  const listedIds = async (path: string, token: string): Promise<string[]> => {
    const listed = await call('GET', `${governance}${path}`, { token });
    expect(listed.status).toBe(200);
    return (listed.body as unknown as { id: string }[]).map((item) => item.id);
  };

  describe('bias reports', () => {
    let painReport: { id: string; reportSha256: string };
    let radiologyReport: string;

    beforeAll(async () => {
      painReport = await computedBiasReport(
        governance,
        pain.owner,
        `${MAPPING}&modelVersion=${LUMBAR_ESI_MODEL_NAME}@1.0.0`,
      );
      const created = await upload(radiology.owner, `${RADIOLOGY_MODEL}@1.0.0`);
      expect(created.status).toBe(202);
      radiologyReport = created.body.id as string;
    }, 60_000);

    it("lets a model owner of pain medicine request a report for a pain-medicine model, and refuses them a radiology model's", async () => {
      expect(painReport.reportSha256).toMatch(/^[0-9a-f]{64}$/);
      expectProblem(await upload(pain.owner, `${RADIOLOGY_MODEL}@1.0.0`), 403, 'access.denied');
      // A report of no model, or of one that does not exist, is beyond every narrowed scope.
      expectProblem(await upload(pain.owner), 403, 'access.denied');
      expectProblem(await upload(pain.owner, 'no-such-model@1.0.0'), 403, 'access.denied');
    });

    it("reads only the reports of their departments' models, and lists only those", async () => {
      expect(
        (await call('GET', `${governance}/bias-reports/${painReport.id}`, { token: pain.owner })).status,
      ).toBe(200);
      for (const path of [radiologyReport, `${radiologyReport}/report.html`, NO_SUCH_ID])
        expectProblem(
          await call('GET', `${governance}/bias-reports/${path}`, { token: pain.owner }),
          403,
          'access.denied',
        );
      const painListed = await listedIds('/bias-reports', pain.owner);
      expect(painListed).toContain(painReport.id);
      expect(painListed).not.toContain(radiologyReport);
      const radiologyListed = await listedIds('/bias-reports', radiology.owner);
      expect(radiologyListed).toContain(radiologyReport);
      expect(radiologyListed).not.toContain(painReport.id);
    });

    it("lets an ethics-board member of pain medicine comment on and sign off a pain-medicine model's report only", async () => {
      const comment = (id: string) =>
        call('POST', `${governance}/bias-reports/${id}/comments`, {
          token: pain.ethics,
          body: { body: 'calibration by site looks fine' },
        });
      expect((await comment(painReport.id)).status).toBe(201);
      expectProblem(await comment(radiologyReport), 403, 'access.denied');

      expect(
        (
          await call('PUT', `${governance}/signing-pin`, {
            token: pain.ethics,
            body: { pin: 'pain-pin-2026' },
          })
        ).status,
      ).toBe(204);
      const signOff = (id: string, recordSha256: string) =>
        call('POST', `${governance}/bias-reports/${id}/signatures`, {
          token: pain.ethics,
          body: { role: 'ethics-board', meaning: 'approved', recordSha256, pin: 'pain-pin-2026' },
        });
      expectProblem(await signOff(radiologyReport, painReport.reportSha256), 403, 'access.denied');
      const signed = await signOff(painReport.id, painReport.reportSha256);
      expect(signed.status).toBe(201);
      const read = await call('GET', `${governance}/bias-reports/${painReport.id}`, { token: pain.ethics });
      expect(read.body.signOff).toMatchObject({
        signatures: [expect.objectContaining({ signerSubject: 'pain.ethics', meaning: 'approved' })],
      });
    });

    it('keeps unconditioned rules covering every model (regulatory affairs read every report)', async () => {
      const listed = await listedIds('/bias-reports', seedRa);
      expect(listed).toEqual(expect.arrayContaining([painReport.id, radiologyReport]));
      const read = await call('GET', `${governance}/bias-reports/${radiologyReport}`, { token: seedRa });
      expect(read.status).toBe(200);
      // The model its permissions are decided on, as the registry holds it now (the console's forms follow it).
      expect(read.body.model).toEqual({
        model: RADIOLOGY_MODEL,
        departments: ['radiology'],
        riskClass: 'IIa',
      });
      expectProblem(
        await call('GET', `${governance}/bias-reports/${NO_SUCH_ID}`, { token: seedRa }),
        404,
        'request.not_found',
      );
    });
  });

  describe('regulatory documents', () => {
    const generate = (token: string, model: string) =>
      call('POST', `${governance}/documents`, {
        token,
        body: { kind: 'fda-aidsf', model, version: '1.0.0' },
      });
    const documentsOf = (model: string) => `/documents?model=${model}&version=1.0.0`;

    it("lets regulatory affairs of pain medicine generate a pain-medicine model's document, and refuses them a radiology model's", async () => {
      const painDocument = await generate(pain.ra, LUMBAR_ESI_MODEL_NAME);
      expect(painDocument.status).toBe(202);
      expectProblem(await generate(pain.ra, RADIOLOGY_MODEL), 403, 'access.denied');
      // No probing of names beyond their scope.
      expectProblem(await generate(pain.ra, 'no-such-model'), 403, 'access.denied');
      const radiologyDocument = await generate(radiology.ra, RADIOLOGY_MODEL);
      expect(radiologyDocument.status).toBe(202);
      const radiologyId = radiologyDocument.body.id as string;

      expect(await listedIds(documentsOf(LUMBAR_ESI_MODEL_NAME), pain.ra)).toContain(painDocument.body.id);
      expect(await listedIds(documentsOf(RADIOLOGY_MODEL), pain.ra)).toEqual([]);
      expect(await listedIds(documentsOf(RADIOLOGY_MODEL), radiology.ra)).toEqual([radiologyId]);
      for (const path of [radiologyId, `${radiologyId}/content`, `${radiologyId}/archive`, NO_SUCH_ID])
        expectProblem(
          await call('GET', `${governance}/documents/${path}`, { token: pain.ra }),
          403,
          'access.denied',
        );
      expect(
        (await call('GET', `${governance}/documents/${radiologyId}`, { token: radiology.ra })).status,
      ).toBe(200);
    });
  });
});
