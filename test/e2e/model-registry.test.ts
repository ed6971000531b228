import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { modelClassificationSchema, modelProfileSchema } from '@praesidium/model-registry';
import { startPlatform, type RunningPlatform } from '../../apps/cli/src/platform.js';
import { computedBiasReport, EVALUATION_MAPPING } from '../support/bias-reports.js';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { exampleModel } from '../support/registry-fixtures.js';
import { demoVersionBody } from '../support/registry-lifecycle.js';

type AuditRecords = {
  event: { action: string; outcome: string; reasonCode?: string; entity?: Record<string, unknown> };
}[];

const MAX_EVIDENCE_BYTES = 4096;
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n');

function expectProblem(response: JsonResponse, status: number, code: string) {
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

const PLAN = {
  modifications: [
    {
      id: 'M1',
      type: 're-training',
      description: 'Re-train on data of new sites',
      bounds: 'same features and architecture',
      implementation: 'manual',
      scope: 'global',
      acceptanceCriteria: [
        { metric: 'auroc', minimum: 0.75 },
        { metric: 'auroc', subgroup: 'sex=female', minimum: 0.72 },
      ],
    },
  ],
  protocol: {
    dataManagement: 'test sites sequestered',
    retraining: 'same pipeline',
    performanceEvaluation: 'held-out test set, bootstrap CI',
    updateProcedure: 'signed approval, then deploy',
  },
  impactAssessment: 'subgroup regressions controlled by the criteria',
};

describe.each(['postgres', 'pglite'] as const)(
  'the model registry over HTTP on %s, with the gateway serving what it deploys',
  (database) => {
    let platform: TestPlatform;
    /** A second gateway instance with its own connections, as another replica behind a load balancer. */
    let replica: RunningPlatform;
    let governance: string;
    let inferUrl: string;
    let replicaInferUrl: string;
    let owner: string;
    let ra: string;
    let ra2: string;
    let ethics: string;
    let clinician: string;
    let officer: string;

    beforeAll(async () => {
      platform = await startTestPlatform(database, {
        PRAESIDIUM_REGISTRY_EVIDENCE_MAX_BYTES: String(MAX_EVIDENCE_BYTES),
      });
      governance = platform.config.http.governanceUrl;
      inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
      const replicaPort = await freePort();
      replica = await startPlatform(
        { ...platform.config, http: { ...platform.config.http, gatewayPort: replicaPort } },
        ['gateway'],
      );
      replicaInferUrl = `http://${platform.config.http.host}:${replicaPort}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
      owner = await platform.token('model-owner');
      ra = await platform.token('regulatory-affairs');
      ra2 = await tokenFor(platform, 'ra.second', ['regulatory-affairs']);
      ethics = await platform.token('ethics-board');
      clinician = await platform.token('pain-clinician');
      officer = await platform.token('security-officer');
      for (const token of [ra, ra2, ethics])
        expect(
          (await call('PUT', `${governance}/signing-pin`, { token, body: { pin: 'sign-here-2026' } })).status,
        ).toBe(204);
    });
    afterAll(async () => {
      await replica?.stop();
      await platform?.stop();
    });

    const versions = `/models/${LUMBAR_ESI_MODEL_NAME}/versions`;
    const api = (method: string, route: string, token: string, body?: unknown) =>
      call(method, `${governance}${route}`, { token, body });

    const versionBody = (version: string, extra: Record<string, unknown> = {}) => ({
      ...demoVersionBody(platform, version),
      ...extra,
    });

    const evidence = (version: string, kind: string, details: Record<string, unknown> = {}, token = owner) =>
      api('POST', `${versions}/${version}/evidence`, token, {
        kind,
        title: `${kind} of ${version}`,
        details,
      });

    const step = (version: string, action: string, token: string) =>
      api('POST', `${versions}/${version}/transitions`, token, {
        action,
        reason: `${action} in the e2e test`,
      });

    const recordOf = async (version: string) =>
      (await api('GET', `${versions}/${version}`, ra)).body.approvalRecordSha256 as string;

    const sign = async (
      version: string,
      token: string,
      role: string,
      overrides: Record<string, unknown> = {},
    ) =>
      api('POST', `${versions}/${version}/signatures`, token, {
        role,
        meaning: 'approved',
        recordSha256: await recordOf(version),
        pin: 'sign-here-2026',
        ...overrides,
      });

    const metrics = (auroc: number, female: number) => ({
      metrics: [
        { metric: 'auroc', value: auroc, ciLower: auroc - 0.03, ciUpper: auroc + 0.03 },
        { metric: 'auroc', subgroup: 'sex=female', value: female },
      ],
    });

    /** A bias report computed for `version` (named `<model>@<version>`), requested by the owner. */
    const biasReportOf = (version: string) =>
      computedBiasReport(
        governance,
        owner,
        `${EVALUATION_MAPPING}&resamples=50&seed=1&modelVersion=${LUMBAR_ESI_MODEL_NAME}@${version}`,
      );

    const signOff = (report: { id: string; reportSha256: string }, meaning = 'approved') =>
      api('POST', `/bias-reports/${report.id}/signatures`, ethics, {
        role: 'ethics-board',
        meaning,
        recordSha256: report.reportSha256,
        pin: 'sign-here-2026',
      });

    /** A bias report of `version`, signed off (approved) by the ethics board. */
    async function signedBiasReport(version: string) {
      const report = await biasReportOf(version);
      expect((await signOff(report)).status).toBe(201);
      return report;
    }

    /** Registers a version and takes it to under review, submitted by `submitter`. */
    async function underReview(version: string, submitter = owner, extra: Record<string, unknown> = {}) {
      expect((await api('POST', versions, owner, versionBody(version, extra))).status).toBe(201);
      expect((await evidence(version, 'performance', metrics(0.8, 0.78))).status).toBe(201);
      await signedBiasReport(version);
      expect((await step(version, 'validate', owner)).status).toBe(200);
      expect((await step(version, 'submit', submitter)).status).toBe(200);
    }

    async function approved(version: string) {
      await underReview(version);
      expect((await sign(version, ethics, 'ethics-board')).status).toBe(201);
      expect((await sign(version, ra, 'regulatory-affairs')).status).toBe(201);
      expect((await step(version, 'approve', ra2)).status).toBe(200);
    }

    const infer = (url = inferUrl) =>
      call('POST', url, {
        token: clinician,
        body: {
          parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
          inputs: exampleEsiInputs(),
        },
      });

    /**
     * The gateway's answer once a lifecycle change has reached it: a gateway may keep the deployed
     * version for up to PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS (500 ms by default, 1 s at most), so the
     * promise is "within one second". Retries until `done` holds or the second is up.
     */
    async function inferWithinOneSecond(done: (response: JsonResponse) => boolean, url = inferUrl) {
      const deadline = Date.now() + 1000;
      let response = await infer(url);
      while (!done(response) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        response = await infer(url);
      }
      return response;
    }
    const refusedAsNotDeployed = (response: JsonResponse) => response.status === 409;
    const servedVersion = (version: string) => (response: JsonResponse) =>
      response.status === 200 && response.body.model_version === version;

    async function auditRecords(action: string): Promise<AuditRecords> {
      const response = await call('GET', `${governance}/audit/events?limit=1000&action=${action}`, {
        token: officer,
      });
      expect(response.status).toBe(200);
      return response.body.records as AuditRecords;
    }

    it('registers a model with its intended use and classification, audited', async () => {
      const model = exampleModel('knee-oa-grading', 'Knee OA grading');
      expectProblem(await api('POST', '/models', clinician, model), 403, 'access.denied');
      const response = await api('POST', '/models', ra, model);
      expect(response.status).toBe(201);
      expectProblem(await api('POST', '/models', ra, model), 409, 'model.exists');
      expect(response.body).toMatchObject({
        name: 'knee-oa-grading',
        classification: { euMdr: { rule11Class: 'IIa' } },
      });
      expectProblem(await api('POST', '/models', ra, { name: 'Bad Name' }), 400, 'request.invalid');
      const demo = await api('GET', `/models/${LUMBAR_ESI_MODEL_NAME}`, ra);
      expect(modelProfileSchema.parse(demo.body.profile)).toEqual(demo.body.profile);
      expect(modelClassificationSchema.parse(demo.body.classification)).toEqual(demo.body.classification);
      expect((await auditRecords('model.registered')).map((record) => record.event.entity?.model)).toContain(
        'knee-oa-grading',
      );
    });

    it('refuses each lifecycle step whose guard is not met, and audits the refusal', async () => {
      expect((await api('POST', versions, owner, versionBody('2.0.0-rc.1'))).status).toBe(201);
      expectProblem(await step('2.0.0-rc.1', 'validate', owner), 409, 'lifecycle.validation_missing');
      expectProblem(await step('2.0.0-rc.1', 'deploy', owner), 409, 'lifecycle.transition_invalid');
      expectProblem(await step('2.0.0-rc.1', 'approve', ra2), 409, 'lifecycle.transition_invalid');
      expect((await evidence('2.0.0-rc.1', 'performance', metrics(0.8, 0.78))).status).toBe(201);
      expect((await step('2.0.0-rc.1', 'validate', owner)).status).toBe(200);
      expect((await step('2.0.0-rc.1', 'submit', owner)).status).toBe(200);
      // No bias report yet: the approval is refused; bias_report evidence (a document) does not stand in.
      expectProblem(await step('2.0.0-rc.1', 'approve', ra2), 409, 'lifecycle.bias_report_missing');
      expect((await evidence('2.0.0-rc.1', 'bias_report', { summary: 'gaps under 0.05' })).status).toBe(201);
      expectProblem(await step('2.0.0-rc.1', 'approve', ra2), 409, 'lifecycle.bias_report_missing');
      // A signed report computed for another version does not count for this one.
      await signedBiasReport('1.9.9');
      expectProblem(await step('2.0.0-rc.1', 'approve', ra2), 409, 'lifecycle.bias_report_missing');
      // A report of this version that the ethics board has not signed off (or only reviewed) is not enough.
      const report = await biasReportOf('2.0.0-rc.1');
      expectProblem(await step('2.0.0-rc.1', 'approve', ra2), 409, 'lifecycle.bias_report_unsigned');
      expect((await signOff(report, 'reviewed')).status).toBe(201);
      expectProblem(await step('2.0.0-rc.1', 'approve', ra2), 409, 'lifecycle.bias_report_unsigned');
      // Signed off: the bias report guard passes, and the next guard (the boards' signatures) speaks.
      expect((await signOff(report)).status).toBe(201);
      expectProblem(await step('2.0.0-rc.1', 'approve', ra2), 409, 'lifecycle.signature_missing');
      expectProblem(await step('2.0.0-rc.1', 'approve', clinician), 403, 'access.denied');
      // Approval is regulatory affairs' permission: the model owner may take every other step but this.
      expectProblem(await step('2.0.0-rc.1', 'approve', owner), 403, 'access.denied');
      const refusals = await auditRecords('model_version.approve');
      expect(refusals.map((record) => record.event)).toContainEqual(
        expect.objectContaining({ outcome: 'refused', reasonCode: 'lifecycle.bias_report_missing' }),
      );
      expect(refusals.map((record) => record.event)).toContainEqual(
        expect.objectContaining({ outcome: 'refused', reasonCode: 'lifecycle.bias_report_unsigned' }),
      );
    });

    it('binds signatures to the record: a PIN is required, a stale record is refused, new evidence voids earlier signatures', async () => {
      await underReview('2.0.0-rc.2');
      expectProblem(
        await sign('2.0.0-rc.2', ethics, 'ethics-board', { pin: 'wrong-pin-000' }),
        401,
        'signature.reauthentication_failed',
      );
      expectProblem(await sign('2.0.0-rc.2', ethics, 'regulatory-affairs'), 403, 'signature.role_invalid');
      expectProblem(
        await sign('2.0.0-rc.2', ethics, 'ethics-board', { recordSha256: 'f'.repeat(64) }),
        409,
        'signature.record_mismatch',
      );
      expectProblem(await sign('2.0.0-rc.2', owner, 'model-owner'), 403, 'access.denied');
      expectProblem(await step('2.0.0-rc.2', 'approve', ra2), 409, 'lifecycle.signature_missing');

      expect((await sign('2.0.0-rc.2', ethics, 'ethics-board')).status).toBe(201);
      expect((await sign('2.0.0-rc.2', ra, 'regulatory-affairs')).status).toBe(201);
      // Evidence added after signing makes another record: the two signatures no longer count.
      expect((await evidence('2.0.0-rc.2', 'study_reference', { citation: 'Doe et al. 2026' })).status).toBe(
        201,
      );
      expectProblem(await step('2.0.0-rc.2', 'approve', ra2), 409, 'lifecycle.signature_missing');

      const history = await api('GET', `${versions}/2.0.0-rc.2/history`, ra);
      const signatures = history.body.signatures as {
        printedName: string;
        meaning: string;
        recordSha256: string;
      }[];
      expect(signatures).toEqual([
        expect.objectContaining({ printedName: 'Prof Ines Moreau', meaning: 'approved' }),
        expect.objectContaining({ printedName: 'Lena Fischer', meaning: 'approved' }),
      ]);
      expect(signatures[0]?.recordSha256).not.toBe(await recordOf('2.0.0-rc.2'));

      // Signed again on the current record; then the model's intended use changes: sign again it must.
      expect((await sign('2.0.0-rc.2', ethics, 'ethics-board')).status).toBe(201);
      expect((await sign('2.0.0-rc.2', ra, 'regulatory-affairs')).status).toBe(201);
      const model = (await api('GET', `/models/${LUMBAR_ESI_MODEL_NAME}`, ra)).body;
      const { intendedUse, departments, riskClass, profile, classification } = model;
      const changed = await api('PUT', `/models/${LUMBAR_ESI_MODEL_NAME}`, ra, {
        intendedUse,
        limitations: `${model.limitations as string} Not for patients under 18.`,
        departments,
        riskClass,
        profile,
        classification,
      });
      expect(changed.status).toBe(200);
      expectProblem(await step('2.0.0-rc.2', 'approve', ra2), 409, 'lifecycle.signature_missing');
    });

    it('locks signing after five wrong PINs in a row, even for the right PIN', async () => {
      const guesser = await tokenFor(platform, 'ethics.guesser', ['ethics-board']);
      expect((await api('PUT', '/signing-pin', guesser, { pin: 'right-pin-123' })).status).toBe(204);
      for (let attempt = 1; attempt < 5; attempt += 1)
        expectProblem(
          await sign('2.0.0-rc.1', guesser, 'ethics-board', { pin: `wrong-${attempt}` }),
          401,
          'signature.reauthentication_failed',
        );
      expectProblem(
        await sign('2.0.0-rc.1', guesser, 'ethics-board', { pin: 'wrong-5' }),
        423,
        'signature.locked',
      );
      expectProblem(
        await sign('2.0.0-rc.1', guesser, 'ethics-board', { pin: 'right-pin-123' }),
        423,
        'signature.locked',
      );
      expectProblem(
        await api('PUT', '/signing-pin', guesser, { pin: 'another-pin-1', currentPin: 'right-pin-123' }),
        423,
        'signature.locked',
      );
    });

    it('needs two different signers, neither of them the submitter', async () => {
      await underReview('2.0.0-rc.3', ra);
      expect((await sign('2.0.0-rc.3', ethics, 'ethics-board')).status).toBe(201);
      expect((await sign('2.0.0-rc.3', ra, 'regulatory-affairs')).status).toBe(201);
      expectProblem(await step('2.0.0-rc.3', 'approve', ra), 403, 'lifecycle.submitter_reviews');
      expectProblem(await step('2.0.0-rc.3', 'approve', ra2), 409, 'lifecycle.submitter_signed');
    });

    it('freezes an approved version: a change is refused and audited, the database refuses it too, and a diff shows what a new version changes', async () => {
      await approved('2.0.0');
      const before = await api('GET', `${versions}/2.0.0`, ra);
      const changed = versionBody('2.0.0');
      (changed.content as { architecture: string }).architecture = 'a quietly swapped model';
      expectProblem(await api('PUT', `${versions}/2.0.0`, owner, changed), 409, 'model_version.immutable');
      const attempts = await auditRecords('model_version.changed');
      expect(attempts.map((record) => record.event)).toContainEqual(
        expect.objectContaining({
          outcome: 'refused',
          reasonCode: 'model_version.immutable',
          entity: expect.objectContaining({ model: LUMBAR_ESI_MODEL_NAME, modelVersion: '2.0.0' }),
        }),
      );
      const connection = platform.platform.deps?.connection;
      const client = new pg.Client(
        connection?.kind === 'server'
          ? { connectionString: connection.url }
          : { host: connection?.socketDir, port: 5432, user: 'postgres', database: 'postgres' },
      );
      await client.connect();
      try {
        await expect(
          client.query(`UPDATE registry.model_version SET manifest = '{}' WHERE version = '2.0.0'`),
        ).rejects.toThrow(/immutable/);
        await expect(client.query(`DELETE FROM registry.version_transition`)).rejects.toThrow(/append-only/);
      } finally {
        await client.end();
      }
      const after = await api('GET', `${versions}/2.0.0`, ra);
      expect(after.body.manifestSha256).toBe(before.body.manifestSha256);

      // The change goes into a new version instead; the diff says what differs from the approved one.
      expect((await api('POST', versions, owner, versionBody('2.0.1'))).status).toBe(201);
      const diff = await api('GET', `${versions}/2.0.1/diff?against=2.0.0`, ra);
      expect(diff.status).toBe(200);
      expect((diff.body.changes as { path: string }[]).map((change) => change.path)).toEqual([
        '/artifact/sha256',
        '/artifact/uri',
        '/version',
      ]);
    });

    it('deploys only approved versions, one at a time; the gateway serves a newly deployed version and stops serving a suspended one within one second', async () => {
      const served = await infer();
      expect(served.status).toBe(200);
      expect(served.body.model_version).toBe('1.0.0');

      expectProblem(await step('2.0.1', 'deploy', owner), 409, 'lifecycle.transition_invalid');
      expectProblem(await step('2.0.0', 'deploy', owner), 409, 'lifecycle.already_deployed');
      expectProblem(await step('2.0.0', 'deploy', ra), 403, 'access.denied');

      expect((await step('1.0.0', 'suspend', ra)).status).toBe(200);
      expectProblem(await inferWithinOneSecond(refusedAsNotDeployed), 409, 'model.not_deployed');
      expectProblem(
        await inferWithinOneSecond(refusedAsNotDeployed, replicaInferUrl),
        409,
        'model.not_deployed',
      );

      expect((await step('2.0.0', 'deploy', owner)).status).toBe(200);
      const next = await inferWithinOneSecond(servedVersion('2.0.0'));
      expect(next.status).toBe(200);
      expect(next.body.model_version).toBe('2.0.0');
      expect((await inferWithinOneSecond(servedVersion('2.0.0'), replicaInferUrl)).body.model_version).toBe(
        '2.0.0',
      );
      expect(
        (next.body.parameters as { praesidium: { manifest_sha256: string } }).praesidium.manifest_sha256,
      ).toBe((await api('GET', `${versions}/2.0.0`, ra)).body.manifestSha256);

      expect((await step('2.0.0', 'suspend', owner)).status).toBe(200);
      expectProblem(await inferWithinOneSecond(refusedAsNotDeployed), 409, 'model.not_deployed');
      expectProblem(
        await inferWithinOneSecond(refusedAsNotDeployed, replicaInferUrl),
        409,
        'model.not_deployed',
      );
      expect((await step('2.0.0', 'resume', owner)).status).toBe(200);
      expect((await inferWithinOneSecond(servedVersion('2.0.0'))).status).toBe(200);

      const history = await api('GET', `${versions}/2.0.0/history`, ra);
      expect((history.body.transitions as { toStatus: string }[]).map((row) => row.toStatus)).toEqual([
        'validated',
        'under_review',
        'approved',
        'deployed',
        'suspended',
        'deployed',
      ]);
    });

    it('refuses bad uploads with clear errors and stores nothing of them', async () => {
      const folder = path.join(platform.config.dataDir, 'evidence');
      const stored = () => readdir(folder).catch(() => [] as string[]);
      const filesBefore = await stored();
      const listBefore = (await api('GET', `${versions}/2.0.1/evidence`, owner)).body as unknown as unknown[];
      const upload = (fileName: string, mediaType: string, bytes: Buffer) =>
        api('POST', `${versions}/2.0.1/evidence`, owner, {
          kind: 'test_report',
          title: 'bench test report',
          file: { fileName, mediaType, contentBase64: bytes.toString('base64') },
        });

      const tooLarge = await upload(
        'big.pdf',
        'application/pdf',
        Buffer.concat([PDF, Buffer.alloc(MAX_EVIDENCE_BYTES)]),
      );
      expectProblem(tooLarge, 413, 'evidence.too_large');
      expect(tooLarge.body.detail).toContain(`at most ${MAX_EVIDENCE_BYTES}`);
      expectProblem(
        await upload('tool.exe', 'application/x-msdownload', Buffer.from('MZ')),
        415,
        'evidence.type_invalid',
      );
      expectProblem(
        await upload('report.pdf', 'application/pdf', Buffer.from('MZ\u0090not a pdf')),
        415,
        'evidence.type_invalid',
      );
      expectProblem(
        await upload('../../../etc/cron.d/x.pdf', 'application/pdf', PDF),
        422,
        'evidence.name_invalid',
      );
      expectProblem(await upload('..%2f..%2fx.pdf', 'application/pdf', PDF), 422, 'evidence.name_invalid');
      expectProblem(
        await api('POST', `${versions}/2.0.1/evidence`, owner, {
          kind: 'risk_item',
          title: 'r',
          details: { hazard: 'x' },
        }),
        422,
        'evidence.details_invalid',
      );
      const malformed = versionBody('2.0.2');
      (malformed.content as { inputSchema: unknown }).inputSchema = { type: 'objekt', properties: 3 };
      const schemaRefusal = await api('POST', versions, owner, malformed);
      expectProblem(schemaRefusal, 422, 'model_version.schema_invalid');
      expect(JSON.stringify(schemaRefusal.body.errors)).toContain('/inputSchema');
      expectProblem(await api('GET', `${versions}/2.0.2`, owner), 404, 'model_version.unknown');

      expect(await stored()).toEqual(filesBefore);
      expect((await api('GET', `${versions}/2.0.1/evidence`, owner)).body).toEqual(listBefore);

      const accepted = await upload('bench report.pdf', 'application/pdf', PDF);
      expect(accepted.status).toBe(201);
      expect(await stored()).toEqual([...filesBefore, accepted.body.sha256 as string]);
    });

    it('checks a version declared under the change-control plan against its acceptance criteria, with traceability', async () => {
      expect(
        (await api('POST', `/models/${LUMBAR_ESI_MODEL_NAME}/change-control-plan`, ra, PLAN)).status,
      ).toBe(201);
      await underReview('2.1.0', owner, { pccpModifications: ['M1'] });
      const passing = await api('GET', `${versions}/2.1.0/pccp-assessment`, ra);
      expect(passing.body).toMatchObject({
        accepted: true,
        traceability: [{ modificationId: 'M1', known: true, passed: true }],
      });

      expect(
        (await api('POST', versions, owner, versionBody('2.2.0', { pccpModifications: ['M1'] }))).status,
      ).toBe(201);
      expect((await evidence('2.2.0', 'performance', metrics(0.81, 0.64))).status).toBe(201);
      await signedBiasReport('2.2.0');
      const failing = await api('GET', `${versions}/2.2.0/pccp-assessment`, ra);
      expect(failing.body).toMatchObject({ accepted: false });
      expect(
        (failing.body.checks as { subgroup: string; passed: boolean }[]).find((check) => !check.passed),
      ).toMatchObject({
        subgroup: 'sex=female',
      });
      expect((await step('2.2.0', 'validate', owner)).status).toBe(200);
      expect((await step('2.2.0', 'submit', owner)).status).toBe(200);
      expect((await sign('2.2.0', ethics, 'ethics-board')).status).toBe(201);
      expect((await sign('2.2.0', ra, 'regulatory-affairs')).status).toBe(201);
      expectProblem(await step('2.2.0', 'approve', ra2), 409, 'lifecycle.pccp_failed');

      // A new plan in force changes the record the boards signed: they sign again, then it passes.
      const relaxed = structuredClone(PLAN);
      relaxed.modifications[0].acceptanceCriteria[1].minimum = 0.6;
      expect(
        (await api('POST', `/models/${LUMBAR_ESI_MODEL_NAME}/change-control-plan`, ra, relaxed)).status,
      ).toBe(201);
      expectProblem(await step('2.2.0', 'approve', ra2), 409, 'lifecycle.signature_missing');
      expect((await sign('2.2.0', ethics, 'ethics-board')).status).toBe(201);
      expect((await sign('2.2.0', ra, 'regulatory-affairs')).status).toBe(201);
      expect((await step('2.2.0', 'approve', ra2)).status).toBe(200);
    });

    it('keeps datasets with their datasheets and data-quality reports, and refuses a test set that is a training set', async () => {
      const datasheet = {
        provenance: 'retrospective records of the pain clinic, de-identified',
        collectionSites: ['main-campus'],
        collectionPeriod: { from: '2021-01-01', to: '2024-12-31' },
        inclusionCriteria: 'adults with a first lumbar ESI',
        exclusionCriteria: 'prior ESI within 6 months',
        demographics: { sex: { female: 0.55, male: 0.45 }, age: { '18-64': 0.6, '65+': 0.4 } },
        annotation: {
          method: 'NRS at 4 weeks from follow-up call',
          referenceStandard: '>=50% NRS reduction',
        },
        independenceControls: 'patient-level split; test site held out',
      };
      const rows = [
        { age_years: 44, sex: 'female', relief: 1 },
        { age_years: 71, sex: 'male', relief: 0 },
        { age_years: 71, sex: 'male', relief: 0 },
        { age_years: null, sex: 'male', relief: 1 },
      ];
      const training = await api('POST', `/models/${LUMBAR_ESI_MODEL_NAME}/datasets`, owner, {
        name: 'esi-train-2024',
        splitRole: 'training',
        datasheet,
        rows,
        qualitySpec: {
          ranges: { age_years: { min: 18, max: 110 } },
          labelColumn: 'relief',
          intendedPopulation: { sex: { female: 0.55, male: 0.45 } },
        },
      });
      expect(training.status).toBe(201);
      expect(training.body.qualityReport).toMatchObject({
        rowCount: 4,
        duplicateRows: 1,
        missingPerColumn: { age_years: 1 },
        representativeness: [
          { attribute: 'sex', group: 'female', isUnderrepresented: true },
          { attribute: 'sex', group: 'male', isUnderrepresented: false },
        ],
      });
      expectProblem(
        await api('POST', `/models/${LUMBAR_ESI_MODEL_NAME}/datasets`, owner, {
          name: 'esi-test-2024',
          splitRole: 'test',
          datasheet,
          rows,
        }),
        409,
        'dataset.not_independent',
      );
      // The version cites the report kept with its dataset; a dataset id of nothing is refused.
      const cited = await evidence('2.0.1', 'data_quality', { datasetId: training.body.id as string });
      expect(cited.status).toBe(201);
      expectProblem(
        await evidence('2.0.1', 'data_quality', { datasetId: '00000000-0000-4000-8000-000000000000' }),
        422,
        'evidence.details_invalid',
      );
      const listed = await api('GET', `/models/${LUMBAR_ESI_MODEL_NAME}/datasets`, ra);
      expect((listed.body as unknown as { name: string }[]).map((dataset) => dataset.name)).toEqual([
        'esi-train-2024',
      ]);
    });

    it('raises a drift alert on a shifted input distribution, audited', async () => {
      const ages = (mean: number) => Array.from({ length: 500 }, (_, i) => mean + ((i * 37) % 41) - 20);
      const stable = await api('POST', `${versions}/2.0.0/drift-checks`, owner, {
        baseline: { age_years: ages(55) },
        current: { age_years: ages(55) },
      });
      expect(stable.status).toBe(201);
      expect(stable.body).toMatchObject({ isAlert: false });
      const shifted = await api('POST', `${versions}/2.0.0/drift-checks`, owner, {
        baseline: { age_years: ages(55), stenosis_grade: ages(1) },
        current: { age_years: ages(75), stenosis_grade: ages(1) },
        period: '2026-11-01/2026-11-30',
      });
      expect(shifted.body).toMatchObject({
        isAlert: true,
        result: {
          features: [
            { feature: 'age_years', level: 'alert' },
            { feature: 'stenosis_grade', level: 'stable' },
          ],
        },
      });
      expect((await auditRecords('model_version.drift_alert')).length).toBe(1);
      const history = await api('GET', `${versions}/2.0.0/drift-checks`, ra);
      expect((history.body as unknown as unknown[]).length).toBe(2);
    });

    it('keeps performance over time and alerts when a metric falls below its floor', async () => {
      const period = (month: string, auroc: number) =>
        api('POST', `${versions}/2.0.0/performance`, owner, {
          periodStart: `2026-${month}-01T00:00:00Z`,
          periodEnd: `2026-${month}-28T00:00:00Z`,
          source: 'outcome-follow-up',
          metrics: [{ metric: 'auroc', value: auroc }],
          floors: [{ metric: 'auroc', minimum: 0.75 }],
        });
      expect((await period('10', 0.79)).body).toMatchObject({ isAlert: false });
      expect((await period('09', 0.8)).body).toMatchObject({ isAlert: false });
      expect((await period('11', 0.71)).body).toMatchObject({
        isAlert: true,
        result: { breaches: [{ metric: 'auroc', minimum: 0.75, observed: 0.71 }] },
      });
      expectProblem(
        await api('POST', `${versions}/2.0.0/performance`, owner, {
          periodStart: '2026-12-31T00:00:00Z',
          periodEnd: '2026-12-01T00:00:00Z',
          source: 'outcome-follow-up',
          metrics: [{ metric: 'auroc', value: 0.8 }],
        }),
        400,
        'request.invalid',
      );
      const series = (await api('GET', `${versions}/2.0.0/performance`, ra)).body as unknown as {
        result: { metrics: { value: number }[] };
      }[];
      expect(series.map((row) => row.result.metrics[0]?.value)).toEqual([0.8, 0.79, 0.71]);
      expect((await auditRecords('model_version.performance_alert')).length).toBe(1);
    });

    it('documents the registry API with OpenAPI at /docs, without a token', async () => {
      const page = await fetch(`${governance}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('/docs/openapi.json');
      const document = await call('GET', `${governance}/docs/openapi.json`);
      expect(document.status).toBe(200);
      expect(document.body.openapi).toBe('3.1.0');
      const transitions = (document.body.paths as Record<string, Record<string, Record<string, unknown>>>)[
        '/models/{name}/versions/{version}/transitions'
      ]?.post;
      expect(JSON.stringify(transitions?.responses)).toContain('lifecycle.signers_not_distinct');
      expect(transitions?.requestBody).toMatchObject({
        content: {
          'application/json': {
            schema: { properties: { action: { enum: expect.arrayContaining(['approve']) } } },
          },
        },
      });
    });
  },
);
