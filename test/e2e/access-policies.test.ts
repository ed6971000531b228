import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_POLICY, SEEDED_POLICY_VERSION, type PolicyDocument } from '@praesidium/access';
import { contentHash } from '@praesidium/digest';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { ConsoleBrowser } from '../support/console-http.js';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { purposeConsent } from '../support/consents.js';

type Events = { event: Record<string, unknown> & { entity?: Record<string, unknown> } }[];

function expectProblem(response: JsonResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

/** The seed policy with the clinician's rules replaced. */
function withClinicianRules(rules: NonNullable<PolicyDocument['roles']['clinician']>): PolicyDocument {
  return { ...DEFAULT_POLICY, roles: { ...DEFAULT_POLICY.roles, clinician: rules } };
}

describe.each(['postgres', 'pglite'] as const)('access policies as data on %s', (database) => {
  let platform: TestPlatform;
  let governance: string;
  let inferUrl: string;
  let author: string;
  let approver: string;
  let clinician: string;

  beforeAll(async () => {
    platform = await startTestPlatform(database);
    governance = platform.config.http.governanceUrl;
    inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    author = await platform.token('security-officer');
    approver = await tokenFor(platform, 'second.officer', ['security-officer']);
    clinician = await platform.token('pain-clinician');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const infer = () =>
    call('POST', inferUrl, {
      token: clinician,
      body: {
        parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
        inputs: exampleEsiInputs(),
      },
    });

  async function activate(document: unknown, reason: string): Promise<number> {
    const proposed = await call('POST', `${governance}/policies`, {
      token: author,
      body: { document, reason },
    });
    expect(proposed.status).toBe(201);
    const version = proposed.body.version as number;
    const approved = await call('POST', `${governance}/policies/${version}/approve`, { token: approver });
    expect(approved.status).toBe(200);
    return version;
  }

  async function auditEvents(query: string): Promise<Events> {
    const audit = await call('GET', `${governance}/audit/events?limit=1000&${query}`, { token: author });
    expect(audit.status).toBe(200);
    return audit.body.records as Events;
  }

  it('starts on the seeded version (the former code policy, then the registry and bias-report rules) and records it in the gateway audit records', async () => {
    const active = await call('GET', `${governance}/policies/active`, { token: author });
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({
      version: SEEDED_POLICY_VERSION,
      author: 'system:migration',
      document: DEFAULT_POLICY,
    });
    const allowed = await infer();
    expect(allowed.status).toBe(200);
    const id = (allowed.body.parameters as { praesidium: { correlation_id: string } }).praesidium
      .correlation_id;
    const records = (await auditEvents('action=inference.request')).filter(
      (record) => record.event.correlationId === id,
    );
    expect(records.map((record) => record.event.entity?.policyVersion)).toEqual([SEEDED_POLICY_VERSION]);
  });

  it('needs a second security officer to activate a version (four-eyes), and then the gateway enforces it', async () => {
    const withoutInference = withClinicianRules(
      (DEFAULT_POLICY.roles.clinician ?? []).filter((rule) => rule.action !== 'infer'),
    );
    const proposed = await call('POST', `${governance}/policies`, {
      token: author,
      body: { document: withoutInference, reason: 'suspend model use pending incident review' },
    });
    expect(proposed.status).toBe(201);
    const version = proposed.body.version as number;
    expect(proposed.body).toMatchObject({ author: 'sam.okafor', approvedBy: null });

    expectProblem(
      await call('POST', `${governance}/policies/${version}/approve`, { token: author }),
      403,
      'policy.four_eyes',
    );
    expectProblem(
      await call('POST', `${governance}/policies/${version}/approve`, { token: clinician }),
      403,
      'access.denied',
    );
    // Proposed but not approved: nothing changed.
    expect((await call('GET', `${governance}/policies/active`, { token: author })).body.version).not.toBe(
      version,
    );
    expect((await infer()).status).toBe(200);

    const approved = await call('POST', `${governance}/policies/${version}/approve`, { token: approver });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ version, approvedBy: 'second.officer' });
    expectProblem(
      await call('POST', `${governance}/policies/${version}/approve`, { token: approver }),
      409,
      'policy.not_pending',
    );
    expect((await call('GET', `${governance}/policies/active`, { token: author })).body.version).toBe(
      version,
    );

    const refused = await infer();
    expectProblem(refused, 403, 'access.denied');
    const records = (await auditEvents('reason_code=access.denied')).filter(
      (record) => record.event.correlationId === refused.body.correlationId,
    );
    expect(records.map((record) => record.event.entity?.policyVersion)).toEqual([version]);

    const diff = await call('GET', `${governance}/policies/${version}/diff?against=1`, { token: author });
    expect(diff.body).toMatchObject({
      from: 1,
      to: version,
      roles: { clinician: { added: [], removed: [expect.objectContaining({ action: 'infer' })] } },
    });

    const proposals = await auditEvents('action=policy.proposed');
    const activations = await auditEvents('action=policy.activated');
    expect(proposals.map((record) => record.event)).toContainEqual(
      expect.objectContaining({
        agent: expect.objectContaining({ subject: 'sam.okafor' }),
        entity: { policyVersion: version },
        // Binds the record to the document and reason stored as this version.
        requestSha256: contentHash({
          document: withoutInference,
          reason: 'suspend model use pending incident review',
        }),
      }),
    );
    expect(activations.map((record) => record.event)).toContainEqual(
      expect.objectContaining({
        agent: expect.objectContaining({ subject: 'second.officer' }),
        entity: { policyVersion: version },
      }),
    );

    const restored = await activate(DEFAULT_POLICY, 'incident closed: restore the seed policy');
    expect((await infer()).status).toBe(200);
    const listed = await call('GET', `${governance}/policies`, { token: author });
    expect(listed.body.active).toBe(restored);
  });

  // A later rule overrides an earlier one: the same rules reordered grant more, and the approver must see it.
  it('shows the approver a "cannot" rule moved before the rule it restricts, which would lift it', async () => {
    const stopLumbar = {
      action: 'infer',
      subject: 'Model',
      inverted: true,
      conditions: { name: LUMBAR_ESI_MODEL_NAME },
      reason: 'incident: the lumbar model is withdrawn from clinical use',
    } as const;
    const clinicianRules = DEFAULT_POLICY.roles.clinician ?? [];
    const incident = await activate(withClinicianRules([...clinicianRules, stopLumbar]), 'incident');
    expectProblem(await infer(), 403, 'access.denied');

    const reordered = withClinicianRules([stopLumbar, ...clinicianRules]);
    const proposed = await call('POST', `${governance}/policies`, {
      token: author,
      body: { document: reordered, reason: 'tidy up: the same rules' },
    });
    expect(proposed.status).toBe(201);
    const diff = await call(
      'GET',
      `${governance}/policies/${proposed.body.version as number}/diff?against=${incident}`,
      { token: approver },
    );
    expect(diff.status).toBe(200);
    const clinicianChange = (diff.body.roles as Record<string, { added: unknown[]; removed: unknown[] }>)
      .clinician;
    expect(clinicianChange).toBeDefined();
    expect([...clinicianChange.added, ...clinicianChange.removed]).toContainEqual(stopLumbar);

    await activate(DEFAULT_POLICY, 'incident closed: restore the seed policy');
    expect((await infer()).status).toBe(200);
  });

  it('refuses to approve a proposal made before another version was activated (policy.stale), and keeps that one in force', async () => {
    const inForce = async () =>
      (await call('GET', `${governance}/policies/active`, { token: author })).body.version as number;
    const base = await inForce();
    const withdrawLumbar = withClinicianRules([
      ...(DEFAULT_POLICY.roles.clinician ?? []),
      { action: 'infer', subject: 'Model', inverted: true, conditions: { name: LUMBAR_ESI_MODEL_NAME } },
    ]);
    const older = await call('POST', `${governance}/policies`, {
      token: author,
      body: { document: withdrawLumbar, reason: 'withdraw the lumbar model' },
    });
    expect(older.status).toBe(201);
    expect(older.body).toMatchObject({ basedOn: base, approvedBy: null });
    // Meanwhile another change goes through: the older proposal's approver never reviewed it against that.
    const newer = await activate(DEFAULT_POLICY, 'the seed policy, re-approved');
    const stale = await call('POST', `${governance}/policies/${older.body.version as number}/approve`, {
      token: approver,
    });
    expectProblem(stale, 409, 'policy.stale');
    expect(await inForce()).toBe(newer);
    expect((await infer()).status).toBe(200);
    const refusals = await auditEvents('action=policy.activated&outcome=refused');
    // Every refused approval is on the trail: this one, and the earlier tests' author and clinician.
    expect(refusals.map((record) => record.event.reasonCode)).toEqual(
      expect.arrayContaining(['policy.stale', 'policy.four_eyes', 'access.denied']),
    );

    // The console says so, and offers no approval of it.
    const browser = new ConsoleBrowser(governance);
    await browser.signInAs('second-security-officer');
    const page = await browser.get('/console/security/policies');
    const row = page.html
      .split('<tr>')
      .find((cells) => cells.includes(`>Version ${older.body.version as number}<`));
    expect(row).toContain('out of date');
    expect(row).toContain(`proposed on version ${base}, and version ${newer} is in force now`);
    expect(row).not.toContain('/approve');
  });

  it('refuses a document that names unknown things, with the path of each problem, and keeps the active policy', async () => {
    const before = (await call('GET', `${governance}/policies/active`, { token: author })).body.version;
    const broken = withClinicianRules([
      { action: 'infer', subject: 'Model', conditions: { departmnets: { $in: '${principal.departments}' } } },
    ] as never);
    const refused = await call('POST', `${governance}/policies`, {
      token: author,
      body: { document: broken, reason: 'typo' },
    });
    expectProblem(refused, 422, 'policy.invalid');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ path: '/roles/clinician/0/conditions/departmnets' }),
    ]);
    expect((await call('GET', `${governance}/policies/active`, { token: author })).body.version).toBe(before);
    const versions = (await call('GET', `${governance}/policies`, { token: author })).body
      .versions as unknown[];
    expect(versions.length).toBe(before);
    expect((await infer()).status).toBe(200);
  });

  it('shows a security officer consent metadata but not the source document, and a clinician all of it', async () => {
    const url = `${governance}/consents?patient=${encodeURIComponent(DEMO_PATIENTS.refused)}`;
    const asOfficer = await call('GET', url, { token: author });
    expect(asOfficer.status).toBe(200);
    const [officerView] = (asOfficer.body.entry as { resource: Record<string, unknown> }[]).map(
      (e) => e.resource,
    );
    expect(officerView).toMatchObject({
      resourceType: 'Consent',
      status: 'active',
      meta: { security: [{ code: 'REDACTED' }] },
    });
    expect(officerView).not.toHaveProperty('provision');
    const asClinician = await call('GET', url, { token: clinician });
    const [clinicianView] = (asClinician.body.entry as { resource: Record<string, unknown> }[]).map(
      (e) => e.resource,
    );
    expect(clinicianView).toHaveProperty('provision');
  });

  it('withholds provisions and the signed form from a security officer on export and history too', async () => {
    const patient = `Patient/fields-${randomUUID().slice(0, 8)}`;
    const form = Buffer.from('%PDF-1.7 signed consent form');
    const recorded = await call('POST', `${governance}/consents?verification=signed-form`, {
      token: clinician,
      body: purposeConsent(
        patient,
        {},
        { sourceAttachment: { contentType: 'application/pdf', data: form.toString('base64') } },
      ),
    });
    expect(recorded.status).toBe(201);
    // Governance records name the policy version in force too, like the gateway's.
    const [change] = (await auditEvents('action=consent.recorded')).filter(
      (record) => record.event.entity?.consentId === recorded.body.id,
    );
    const active = await call('GET', `${governance}/policies/active`, { token: author });
    expect(change.event.entity).toMatchObject({ policyVersion: active.body.version });
    const consentUrl = `${governance}/consents/${String(recorded.body.id)}`;
    const patientQuery = `patient=${encodeURIComponent(patient)}`;

    const exported = await call('GET', `${consentUrl}?${patientQuery}`, { token: author });
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      resourceType: 'Consent',
      meta: { security: [{ code: 'REDACTED' }] },
    });
    expect(exported.body).not.toHaveProperty('provision');
    expect(exported.body).not.toHaveProperty('sourceAttachment');
    const history = await call('GET', `${consentUrl}/history?${patientQuery}`, { token: author });
    expect(history.status).toBe(200);
    const [first] = history.body.entry as { resource: Record<string, unknown> }[];
    expect(first.resource).not.toHaveProperty('provision');
    expect(first.resource).not.toHaveProperty('sourceAttachment');

    const asClinician = await call('GET', `${consentUrl}?${patientQuery}`, { token: clinician });
    const attachment = asClinician.body.sourceAttachment as { data: string };
    expect(Buffer.from(attachment.data, 'base64').equals(form)).toBe(true);
    expect(asClinician.body).toHaveProperty('provision');
  });

  if (database === 'postgres') {
    it('filters the model list in SQL: a LIMIT is filled with readable rows only', async () => {
      const suffix = randomUUID().slice(0, 8);
      const client = new pg.Client({ connectionString: platform.config.database.url });
      await client.connect();
      try {
        // Sorted by name, the oncology model comes first: filtered in memory, LIMIT 1 would return nothing.
        for (const [name, department] of [
          [`a-oncology-${suffix}`, 'oncology'],
          [`b-cardiology-${suffix}`, 'cardiology'],
        ]) {
          await client.query(
            `INSERT INTO registry.model (id, name, display_name, intended_use, limitations, departments, risk_class, is_demonstration)
             VALUES ($1, $2, $2, 'test', 'test', $3, 'IIa', true)`,
            [randomUUID(), name, [department]],
          );
        }
      } finally {
        await client.end();
      }
      const cardiologist = await platform.token('cardiology-clinician');
      const names = async () =>
        (
          (await call('GET', `${governance}/models?limit=1`, { token: cardiologist })).body as unknown as {
            name: string;
          }[]
        ).map((model) => model.name);
      expect(await names()).toEqual([`a-oncology-${suffix}`]);

      await activate(
        withClinicianRules([
          ...(DEFAULT_POLICY.roles.clinician ?? []).filter(
            (rule) => rule.subject !== 'Model' || rule.action !== 'read',
          ),
          {
            action: 'read',
            subject: 'Model',
            conditions: { departments: { $in: '${principal.departments}' } },
          },
        ]),
        'clinicians see the models of their departments',
      );
      expect(await names()).toEqual([`b-cardiology-${suffix}`]);
      const all = (await call('GET', `${governance}/models`, { token: cardiologist })).body as unknown as {
        name: string;
      }[];
      expect(all.map((model) => model.name)).toEqual([`b-cardiology-${suffix}`]);
      await activate(DEFAULT_POLICY, 'restore the seed policy');
    });
  }
});
