import { exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { eventually } from '../support/eventually.js';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { approvedDemoVersion, registryPeople, type RegistryPeople } from '../support/registry-lifecycle.js';

type AuditEventView = {
  action: string;
  outcome: string;
  reasonCode?: string;
  correlationId?: string;
  entity?: Record<string, unknown>;
};

function expectProblem(response: JsonResponse, status: number, code: string) {
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

/** Synthetic patients: the site's default permits TREAT, so none of them needs a consent record. */
const PATIENTS = Array.from({ length: 120 }, (_, index) => `Patient/canary-${index}`);

describe('a canary rollout through the real gateway and governance on PostgreSQL', () => {
  let platform: TestPlatform;
  let governance: string;
  let gateway: string;
  let people: RegistryPeople;
  let clinician: string;
  let officer: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres', {
      PRAESIDIUM_CONSENT_DEFAULT_PERMIT: 'TREAT',
      // One clinician here makes more calls a minute than the per-principal limit allows (the faster
      // the machine, the more), and a 429 is no version: the limits have tests of their own.
      PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: '0',
    });
    governance = platform.config.http.governanceUrl;
    gateway = platform.config.http.gatewayUrl;
    people = await registryPeople(platform);
    clinician = await platform.token('pain-clinician');
    officer = await platform.token('security-officer');
    await approvedDemoVersion(platform, people, '2.0.0');
    await approvedDemoVersion(platform, people, '3.0.0');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const canaryRoute = `/models/${LUMBAR_ESI_MODEL_NAME}/canary`;
  const api = (method: string, route: string, token: string, body?: unknown) =>
    call(method, `${governance}${route}`, { token, body });
  const start = (version: string, sharePercent: number, token = people.owner) =>
    api('POST', canaryRoute, token, { version, sharePercent, reason: `canary of ${version}` });
  const reshare = (sharePercent: number, token = people.owner) =>
    api('PUT', `${canaryRoute}/share`, token, { sharePercent, reason: `share to ${sharePercent}` });
  const promote = () => api('POST', `${canaryRoute}/promote`, people.owner, { reason: 'canary looks good' });
  const abort = () => api('POST', `${canaryRoute}/abort`, people.owner, { reason: 'canary looks bad' });
  const step = (version: string, action: string, token: string) =>
    api('POST', `/models/${LUMBAR_ESI_MODEL_NAME}/versions/${version}/transitions`, token, {
      action,
      reason: `${action} in the canary test`,
    });

  const infer = (patient: string, pinned?: string, token = clinician) =>
    call(
      'POST',
      `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}${pinned ? `/versions/${pinned}` : ''}/infer`,
      {
        token,
        body: { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() },
      },
    );

  /** The version that serves each patient now (one unpinned call each). */
  async function versionsServed(
    patients: readonly string[],
    token = clinician,
  ): Promise<Map<string, string>> {
    const served = new Map<string, string>();
    for (const patient of patients) {
      const response = await infer(patient, undefined, token);
      served.set(
        patient,
        response.status === 200 ? String(response.body.model_version) : `${response.status}`,
      );
    }
    return served;
  }
  const transparencyOf = (response: JsonResponse) =>
    (response.body.parameters as { praesidium: Record<string, unknown> }).praesidium;
  const countOf = (served: Map<string, string>, version: string) =>
    [...served.values()].filter((value) => value === version).length;

  /** Audit events matching `query`, newest first. */
  async function auditEvents(query: string): Promise<AuditEventView[]> {
    const response = await call('GET', `${governance}/audit/events?limit=1000&${query}`, { token: officer });
    expect(response.status).toBe(200);
    return (response.body.records as { event: AuditEventView }[]).map((record) => record.event);
  }

  it('refuses canaries outside the rules, with stable reason codes, and audits the refusals', async () => {
    expectProblem(await start('2.0.0', 10, clinician), 403, 'access.denied');
    expectProblem(await start('2.0.0', 10, people.ra), 403, 'access.denied');
    expectProblem(await start('2.0.0', 0), 400, 'canary.share_invalid');
    expectProblem(await start('2.0.0', 51), 400, 'canary.share_invalid');
    expectProblem(await start('2.0.0', 12.5), 400, 'request.invalid');
    expectProblem(await start('1.0.0', 10), 409, 'canary.version_not_approved');
    expectProblem(await start('9.9.9', 10), 404, 'model_version.unknown');
    expectProblem(await reshare(20), 409, 'canary.not_running');
    expectProblem(await promote(), 409, 'canary.not_running');
    expectProblem(await abort(), 409, 'canary.not_running');
    const refusals = await auditEvents('action=model.canary_start&outcome=refused');
    expect(refusals.map((event) => event.reasonCode)).toEqual(
      expect.arrayContaining(['access.denied', 'canary.share_invalid', 'canary.version_not_approved']),
    );
    expect((await api('GET', canaryRoute, people.owner)).body).toMatchObject({ canary: null });
  });

  it('splits unpinned calls between the deployed version and the canary, one version per patient, pinned calls as pinned', async () => {
    const started = await start('2.0.0', 30);
    expect(started.status).toBe(201);
    expect(started.body.canary).toMatchObject({ version: '2.0.0', sharePercent: 30 });
    expectProblem(await start('3.0.0', 10), 409, 'canary.already_running');
    const model = await api('GET', `/models/${LUMBAR_ESI_MODEL_NAME}`, people.owner);
    expect(model.body.canary).toMatchObject({ version: '2.0.0', sharePercent: 30 });

    // The gateway hears of the canary within its resolve cache lifetime: poll until it serves it.
    const split = await eventually(
      () => versionsServed(PATIENTS),
      (served) => countOf(served, '2.0.0') > 0,
    );
    const onCanary = countOf(split, '2.0.0');
    expect(countOf(split, '1.0.0') + onCanary).toBe(PATIENTS.length);
    // 30 % of 120 patients is 36, with a standard deviation of 5; each canary draws its own sample, so
    // the bounds are ±5 deviations (a false alarm once in a million runs; ±3 failed once in a full run).
    // The share's accuracy is the routing spec's, over 20 000 patients.
    expect(onCanary).toBeGreaterThan(11);
    expect(onCanary).toBeLessThan(61);

    // Sticky: the same patients meet the same versions again.
    const again = await versionsServed(PATIENTS.slice(0, 40));
    for (const [patient, version] of again) expect(version).toBe(split.get(patient));

    // A pinned version is served as pinned, whatever the patient's share, and says so.
    const canaryPatient = PATIENTS.find((patient) => split.get(patient) === '2.0.0') as string;
    const deployedPatient = PATIENTS.find((patient) => split.get(patient) === '1.0.0') as string;
    const pinned = await infer(canaryPatient, '1.0.0');
    expect(pinned.status).toBe(200);
    expect(pinned.body.model_version).toBe('1.0.0');
    expect(transparencyOf(pinned)).toMatchObject({ version: '1.0.0', rollout: 'pinned' });

    // The answer's transparency block and the call's audit records name the version that served,
    // and whether it served as the canary: the clinician and the audit trail can tell.
    const served = await infer(canaryPatient);
    const transparency = transparencyOf(served);
    expect(transparency).toMatchObject({ version: '2.0.0', rollout: 'canary' });
    const version2 = await api('GET', `/models/${LUMBAR_ESI_MODEL_NAME}/versions/2.0.0`, people.owner);
    expect(transparency.manifest_sha256).toBe(version2.body.manifestSha256);
    const onDeployed = transparencyOf(await infer(deployedPatient));
    expect(onDeployed).toMatchObject({ version: '1.0.0', rollout: 'deployed' });

    for (const [patient, answer, rollout, version] of [
      [canaryPatient, transparency, 'canary', '2.0.0'],
      [deployedPatient, onDeployed, 'deployed', '1.0.0'],
      [canaryPatient, transparencyOf(pinned), 'pinned', '1.0.0'],
    ] as const) {
      const records = await eventually(
        () => auditEvents(`patient=${encodeURIComponent(patient)}`),
        (events) => events.filter((event) => event.correlationId === answer.correlation_id).length === 2,
      );
      const call = records.filter((event) => event.correlationId === answer.correlation_id);
      // The request record, committed before forwarding, and the outcome record.
      expect(call.map((event) => event.action).sort()).toEqual(['inference.request', 'inference.response']);
      for (const event of call) expect(event.entity).toMatchObject({ modelVersion: version, rollout });
    }
  });

  it('keeps the patients already on the canary there when the share goes up', async () => {
    const before = await versionsServed(PATIENTS);
    const onCanary = [...before].filter(([, version]) => version === '2.0.0').map(([patient]) => patient);
    expectProblem(await reshare(51), 400, 'canary.share_invalid');
    const changed = await reshare(50);
    expect(changed.status).toBe(200);
    expect(changed.body.canary).toMatchObject({ version: '2.0.0', sharePercent: 50 });
    const after = await eventually(
      () => versionsServed(PATIENTS),
      (served) => countOf(served, '2.0.0') > onCanary.length,
    );
    expect(countOf(after, '2.0.0')).toBeGreaterThan(onCanary.length);
    for (const patient of onCanary) expect(after.get(patient)).toBe('2.0.0');
    const shares = await auditEvents('action=model.canary_share&outcome=success');
    expect(shares[0]?.entity).toMatchObject({ model: LUMBAR_ESI_MODEL_NAME, modelVersion: '2.0.0' });
  });

  it('promotes the canary: it becomes the deployed version, and the version deployed before is suspended', async () => {
    const promoted = await promote();
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ canary: { version: '2.0.0' }, replacedVersion: '1.0.0' });
    const served = await eventually(
      () => versionsServed(PATIENTS.slice(0, 30)),
      (versions) => countOf(versions, '2.0.0') === 30,
    );
    expect(countOf(served, '2.0.0')).toBe(30);
    // Promoted, the version serves as the deployed one.
    expect(transparencyOf(await infer(PATIENTS[0]))).toMatchObject({ version: '2.0.0', rollout: 'deployed' });

    const statuses = (await api('GET', `/models/${LUMBAR_ESI_MODEL_NAME}`, people.owner)).body;
    expect(statuses.canary).toBeNull();
    const versions = statuses.versions as { version: string; status: string }[];
    expect(versions.find((version) => version.version === '1.0.0')?.status).toBe('suspended');
    expect(versions.find((version) => version.version === '2.0.0')?.status).toBe('deployed');
    const history = await api('GET', `/models/${LUMBAR_ESI_MODEL_NAME}/versions/2.0.0/history`, people.owner);
    expect((history.body.transitions as { toStatus: string }[]).at(-1)?.toStatus).toBe('deployed');

    expect((await auditEvents('action=model.canary_promote&outcome=success'))[0]?.entity).toMatchObject({
      modelVersion: '2.0.0',
    });
    expect((await auditEvents('action=model_version.suspend'))[0]?.entity).toMatchObject({
      modelVersion: '1.0.0',
    });
    expect((await auditEvents('action=model_version.deploy'))[0]?.entity).toMatchObject({
      modelVersion: '2.0.0',
    });
  });

  it('aborts a canary: every unpinned call goes back to the deployed version', async () => {
    expect((await start('3.0.0', 50)).status).toBe(201);
    await eventually(
      () => versionsServed(PATIENTS.slice(0, 40)),
      (served) => countOf(served, '3.0.0') > 0,
    );
    const aborted = await abort();
    expect(aborted.status).toBe(200);
    const served = await eventually(
      () => versionsServed(PATIENTS.slice(0, 40)),
      (versions) => countOf(versions, '2.0.0') === 40,
    );
    expect(countOf(served, '2.0.0')).toBe(40);
    const canary = await api('GET', canaryRoute, people.owner);
    expect(canary.body.canary).toBeNull();
    expect((canary.body.history as { action: string }[]).map((change) => change.action)).toEqual([
      'start',
      'share',
      'promote',
      'start',
      'abort',
    ]);
    expect((await auditEvents('action=model.canary_abort&outcome=success'))[0]?.entity).toMatchObject({
      modelVersion: '3.0.0',
    });
  });

  it('stops the canary when the deployed version is suspended (the stop button), and it stays stopped when the officer resumes', async () => {
    expect((await start('3.0.0', 50)).status).toBe(201);
    await eventually(
      () => versionsServed(PATIENTS.slice(0, 40)),
      (served) => countOf(served, '3.0.0') > 0,
    );
    // A security officer presses the stop button: the model stops, canary included.
    expect((await step('2.0.0', 'suspend', officer)).status).toBe(200);
    const stopped = await eventually(
      () => versionsServed(PATIENTS.slice(0, 40)),
      (served) => countOf(served, '409') === 40,
    );
    expect(countOf(stopped, '409')).toBe(40);
    expectProblem(await infer(PATIENTS[0]), 409, 'model.not_deployed');
    const canary = await api('GET', canaryRoute, people.owner);
    expect(canary.body.canary).toBeNull();
    expect((canary.body.history as { action: string }[]).at(-1)).toMatchObject({
      action: 'stop',
      version: '3.0.0',
    });
    expect((await auditEvents('action=model.canary_stop'))[0]).toMatchObject({
      outcome: 'success',
      entity: { model: LUMBAR_ESI_MODEL_NAME, modelVersion: '3.0.0' },
    });

    // The owner cannot lift the security officer's stop alone; the officer resumes the deployed
    // version alone: a stopped canary is not restarted.
    expectProblem(await step('2.0.0', 'resume', people.owner), 403, 'access.denied');
    expect((await step('2.0.0', 'resume', officer)).status).toBe(200);
    const resumed = await eventually(
      () => versionsServed(PATIENTS.slice(0, 40)),
      (served) => countOf(served, '2.0.0') === 40,
    );
    expect(countOf(resumed, '2.0.0')).toBe(40);
  });

  it('serves a canary scoped to a site and a department only to clinicians of both, by its share there', async () => {
    const scope = { sites: ['main-campus'], departments: ['spine-surgery'] };
    const surgeon = (subject: string, site: string) =>
      tokenFor(platform, subject, ['clinician'], {
        departments: ['spine-surgery'],
        trainings: [LUMBAR_ESI_MODEL_NAME],
        site,
      });
    const inScope = await surgeon('dr.spine.main', 'main-campus');
    const otherSite = await surgeon('dr.spine.north', 'north-clinic');
    expectProblem(
      await api('POST', canaryRoute, people.owner, {
        version: '3.0.0',
        sharePercent: 50,
        scope: { sites: ['main-campus', 'main-campus'] },
        reason: 'a site twice',
      }),
      400,
      'request.invalid',
    );
    const started = await api('POST', canaryRoute, people.owner, {
      version: '3.0.0',
      sharePercent: 50,
      scope,
      reason: 'spine surgery at the main campus first',
    });
    expect(started.status).toBe(201);
    expect(started.body.canary).toMatchObject({ version: '3.0.0', sharePercent: 50, scope });

    const patients = PATIENTS.slice(0, 40);
    // Once one call met the canary, the gateway has it (the calls before may have been routed by the
    // deployment it remembered from before the start): from then on the routing is stable.
    await eventually(
      () => versionsServed(patients, inScope),
      (served) => countOf(served, '3.0.0') > 0,
    );
    const surgeonServed = await versionsServed(patients, inScope);
    expect(countOf(surgeonServed, '3.0.0')).toBeGreaterThan(5);
    expect(countOf(surgeonServed, '3.0.0') + countOf(surgeonServed, '2.0.0')).toBe(40);
    // The pain clinician (pain medicine, main campus) and the surgeon at another site never meet it.
    expect(countOf(await versionsServed(patients), '2.0.0')).toBe(40);
    expect(countOf(await versionsServed(patients, otherSite), '2.0.0')).toBe(40);
    // Within the scope, a patient stays with one version.
    expect(await versionsServed(patients, inScope)).toEqual(surgeonServed);

    const canary = await api('GET', canaryRoute, people.owner);
    expect((canary.body.history as { action: string; scope: unknown }[]).at(-1)).toMatchObject({
      action: 'start',
      scope,
    });
    expect((await abort()).status).toBe(200);
  });

  it('documents the canary routes in the OpenAPI document, with their reason codes', async () => {
    const document = await call('GET', `${governance}/docs/openapi.json`);
    const paths = document.body.paths as Record<string, Record<string, Record<string, unknown>>>;
    const start = paths['/models/{name}/canary']?.post;
    expect(JSON.stringify(start?.responses)).toContain('canary.already_running');
    expect(start?.requestBody).toMatchObject({
      content: {
        'application/json': { schema: { required: expect.arrayContaining(['version', 'sharePercent']) } },
      },
    });
    expect(JSON.stringify(paths['/models/{name}/canary/share']?.put?.responses)).toContain(
      'canary.share_invalid',
    );
    expect(paths['/models/{name}/canary/promote']?.post).toBeDefined();
    expect(paths['/models/{name}/canary/abort']?.post).toBeDefined();
  });
});
