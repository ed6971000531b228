// A clinician's laptop is stolen: a security officer suspends the clinician, and every surface (the
// gateway, the governance API, the console) refuses their still valid tokens from the next call,
// break-glass included, with the refusals on the audit trail; lifting lets them in again.
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { praesidium } from '../support/cli.js';
import { ConsoleBrowser, csrfTokenOf } from '../support/console-http.js';
import { eventually } from '../support/eventually.js';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

type AuditRecords = { event: Record<string, unknown> & { entity?: Record<string, unknown> } }[];

function expectProblem(response: JsonResponse, status: number, code: string) {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
}

describe('suspending a person', () => {
  let platform: TestPlatform;
  let governance: string;
  let issuer: string;
  let officer: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    governance = platform.config.http.governanceUrl;
    issuer = platform.config.auth.issuer;
    officer = await platform.token('security-officer');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const clinicianNamed = (subject: string) =>
    tokenFor(platform, subject, ['clinician'], {
      departments: ['pain-medicine'],
      trainings: [LUMBAR_ESI_MODEL_NAME],
    });
  const infer = (token: string, purpose = 'TREAT', patient: string = DEMO_PATIENTS.consented) =>
    call('POST', `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
      token,
      body: { parameters: { patient, purpose_of_use: purpose }, inputs: exampleEsiInputs() },
    });
  const suspend = (token: string, subject: string, reason = 'laptop stolen from the car park') =>
    call('POST', `${governance}/access/suspensions`, { token, body: { issuer, subject, reason } });
  const lift = (token: string, id: string, reason = 'laptop recovered, password reset') =>
    call('POST', `${governance}/access/suspensions/${id}/lift`, { token, body: { reason } });
  const audit = async (query: string): Promise<AuditRecords> => {
    const found = await call('GET', `${governance}/audit/events?limit=1000&${query}`, { token: officer });
    expect(found.status).toBe(200);
    return found.body.records as AuditRecords;
  };

  it('refuses a suspended clinician at the gateway and the governance API from the next call, audited, until lifted', async () => {
    const subject = 'dr.stolen.laptop';
    const clinician = await clinicianNamed(subject);
    expect((await infer(clinician)).status).toBe(200);
    expect((await call('GET', `${governance}/models`, { token: clinician })).status).toBe(200);

    const suspended = await suspend(officer, subject);
    expect(suspended.status).toBe(201);
    expect(suspended.body).toMatchObject({
      issuer,
      subject,
      state: 'active',
      reason: 'laptop stolen from the car park',
      suspendedBy: { subject: 'sam.okafor', issuer },
      lifted: null,
    });
    const id = suspended.body.id as string;

    // The same token, still within its lifetime: refused everywhere, break-glass included.
    expectProblem(await infer(clinician), 403, 'access.principal_suspended');
    expectProblem(await infer(clinician, 'ETREAT'), 403, 'access.principal_suspended');
    expectProblem(
      await call('GET', `${governance}/models`, { token: clinician }),
      403,
      'access.principal_suspended',
    );
    const emergency = await call('POST', `${governance}/break-glass`, {
      token: clinician,
      body: {
        patient: DEMO_PATIENTS.refused,
        reasonCode: 'life-threatening-emergency',
        justification: 'trying to get past the suspension with an emergency',
      },
    });
    expectProblem(emergency, 403, 'access.principal_suspended');
    // A new token for the same person is refused as well; a colleague is not affected.
    expectProblem(await infer(await clinicianNamed(subject)), 403, 'access.principal_suspended');
    expect((await infer(await clinicianNamed('dr.colleague'))).status).toBe(200);
    expectProblem(await suspend(officer, subject), 409, 'suspension.already_active');

    const active = await call('GET', `${governance}/access/suspensions`, { token: officer });
    expect(active.body.suspensions).toEqual([expect.objectContaining({ id, subject, state: 'active' })]);

    // The gateway's refusals are on the trail under the suspended person's name; the suspension too.
    const refusals = await audit(
      `action=inference.request&reason_code=access.principal_suspended&agent=${subject}`,
    );
    expect(refusals).toHaveLength(3);
    expect(refusals[0].event).toMatchObject({
      outcome: 'refused',
      agent: expect.objectContaining({ subject, issuer, roles: ['clinician'] }),
    });
    const [recorded] = await audit('action=principal.suspended&outcome=success');
    expect(recorded.event).toMatchObject({
      agent: expect.objectContaining({ subject: 'sam.okafor' }),
      entity: { suspensionId: id, suspendedSubject: subject, suspendedIssuer: issuer },
      requestSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const lifted = await lift(officer, id);
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({
      id,
      state: 'lifted',
      lifted: { by: { subject: 'sam.okafor', issuer }, reason: 'laptop recovered, password reset' },
    });
    expect((await infer(clinician)).status).toBe(200);
    expect((await call('GET', `${governance}/models`, { token: clinician })).status).toBe(200);
    expectProblem(await lift(officer, id), 409, 'suspension.lifted');
    expectProblem(await lift(officer, '00000000-0000-4000-8000-000000000000'), 404, 'suspension.not_found');

    expect(
      (await call('GET', `${governance}/access/suspensions`, { token: officer })).body.suspensions,
    ).toEqual([]);
    const history = await call('GET', `${governance}/access/suspensions?include=lifted`, { token: officer });
    expect(history.body.suspensions).toEqual([expect.objectContaining({ id, state: 'lifted' })]);
    expect((await audit('action=principal.suspension_lifted&outcome=success'))[0].event).toMatchObject({
      entity: { suspensionId: id, suspendedSubject: subject, suspendedIssuer: issuer },
    });
  });

  it('lets security officers and administrators suspend, and refuses a clinician or regulatory affairs, audited', async () => {
    const clinician = await platform.token('pain-clinician');
    const regulatory = await platform.token('regulatory-affairs');
    for (const token of [clinician, regulatory]) {
      expectProblem(await suspend(token, 'dr.jonas.weber'), 403, 'access.denied');
      expectProblem(await call('GET', `${governance}/access/suspensions`, { token }), 403, 'access.denied');
    }
    const attempts = await audit('action=principal.suspended&outcome=refused&reason_code=access.denied');
    expect(attempts.map((record) => (record.event.agent as { subject: string }).subject).sort()).toEqual([
      'dr.amara.rivera',
      'lena.fischer',
    ]);
    const weber = await platform.token('cardiology-clinician');
    expect((await call('GET', `${governance}/models`, { token: weber })).status).toBe(200);

    const administrator = await tokenFor(platform, 'it.admin', ['administrator']);
    const suspended = await suspend(administrator, 'dr.jonas.weber', 'account compromised');
    expect(suspended.status).toBe(201);
    expect((await lift(administrator, suspended.body.id as string)).status).toBe(200);
  });

  it('refuses suspending yourself, so the last security officer cannot lock everyone out', async () => {
    expectProblem(await suspend(officer, 'sam.okafor'), 403, 'suspension.self');
    expect((await call('GET', `${governance}/access/suspensions`, { token: officer })).status).toBe(200);
    // Only trusted issuers' people can be suspended: anything else would suspend nobody.
    const elsewhere = await call('POST', `${governance}/access/suspensions`, {
      token: officer,
      body: { issuer: 'https://idp.elsewhere.test', subject: 'dr.jonas.weber', reason: 'wrong issuer' },
    });
    expectProblem(elsewhere, 400, 'request.invalid');
    const [refused] = await audit('action=principal.suspended&reason_code=suspension.self');
    expect(refused.event).toMatchObject({ outcome: 'refused', entity: { suspendedSubject: 'sam.okafor' } });
  });

  it("suspends from the console's form, ends the suspended person's console session, and lifts from the list", async () => {
    const ethics = new ConsoleBrowser(governance);
    await ethics.signInAs('ethics-board');
    expect((await ethics.get('/console/')).status).toBe(200);

    const security = new ConsoleBrowser(governance);
    await security.signInAs('security-officer');
    const page = await security.get('/console/security/suspensions');
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<option value="${issuer}" selected>`);
    const posted = await security.post('/console/security/suspensions', {
      issuer,
      subject: 'prof.ines.moreau',
      reason: 'session hijacked',
      _csrf: csrfTokenOf(page),
    });
    expect(posted).toMatchObject({ status: 303, location: '/console/security/suspensions' });
    const listed = await security.get('/console/security/suspensions');
    expect(listed.html).toContain('prof.ines.moreau is suspended');
    const liftAction = /action="(\/console\/security\/suspensions\/[0-9a-f-]+\/lift)"/.exec(listed.html)?.[1];
    expect(liftAction).toBeDefined();

    // The open session is refused and told why; signing in again is refused too.
    const refused = await ethics.get('/console/');
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('access.principal_suspended');
    const signIn = await ethics.get('/console/sign-in');
    const again = await ethics.post('/console/sign-in/persona', {
      persona: 'ethics-board',
      _csrf: csrfTokenOf(signIn),
    });
    expect(again.status).toBe(403);
    expect(again.html).toContain('access.principal_suspended');

    const lifted = await security.post(liftAction as string, {
      reason: 'session ended, password reset',
      _csrf: csrfTokenOf(listed),
    });
    expect(lifted).toMatchObject({ status: 303, location: '/console/security/suspensions' });
    expect((await security.get('/console/security/suspensions')).html).toContain('Nobody is suspended');
    await ethics.signInAs('ethics-board');
    expect((await ethics.get('/console/')).status).toBe(200);
  });

  it('suspends and lifts from the CLI beside the running platform, and the gateway follows within a second', async () => {
    const cliEnv = {
      NODE_ENV: 'test',
      DATABASE_URL: platform.config.database.url ?? '',
      PRAESIDIUM_DATA_DIR: platform.config.dataDir,
      PRAESIDIUM_GOVERNANCE_URL: governance,
    };
    const subject = 'dr.cloned.badge';
    const clinician = await clinicianNamed(subject);
    expect((await infer(clinician)).status).toBe(200);
    const suspended = await praesidium(
      ['access', 'suspend', '--subject', subject, '--reason', 'badge cloned', '--by', 'oncall.officer'],
      cliEnv,
    );
    expect(suspended).toMatchObject({ code: 0, stderr: '' });
    const suspension = JSON.parse(suspended.stdout) as { id: string };
    // The first trusted issuer by default; the running gateway hears of it on its next read.
    expect(suspension).toMatchObject({ issuer, subject, suspendedBy: { subject: 'oncall.officer' } });
    const isSuspended = (response: JsonResponse) => response.body.code === 'access.principal_suspended';
    expectProblem(
      await eventually(() => infer(clinician), isSuspended, 1000),
      403,
      'access.principal_suspended',
    );
    const listed = await praesidium(['access', 'suspensions'], cliEnv);
    expect(listed.stdout).toContain(suspension.id);

    const lifted = await praesidium(['access', 'lift', suspension.id, '--reason', 'badge revoked'], cliEnv);
    expect(lifted).toMatchObject({ code: 0, stderr: '' });
    expect(
      (
        await eventually(
          () => infer(clinician),
          (response) => !isSuspended(response),
          1000,
        )
      ).status,
    ).toBe(200);
    const again = await praesidium(['access', 'lift', suspension.id, '--reason', 'twice'], cliEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('suspension.lifted');
    const [record] = await audit('action=principal.suspended&agent=oncall.officer');
    expect(record.event.entity).toEqual({
      suspensionId: suspension.id,
      suspendedSubject: subject,
      suspendedIssuer: issuer,
    });
  });
});
