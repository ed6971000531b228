import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DEFAULT_POLICY, type PolicyDocument } from '@praesidium/access';
import { contentHash } from '@praesidium/digest';
import { hashSigningPin } from '@praesidium/model-registry';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME, PERSONAS } from '@praesidium/demo';
import { generateKey, signJwt, toPublicJwk, type Jwk } from '@praesidium/keys';
import { praesidium } from '../support/cli.js';
import { call } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { purposeConsent } from '../support/consents.js';
import { eventually } from '../support/eventually.js';

/** A second IdP the hospital trusts (a partner site), its keys in a file next to the issuers file. */
const PARTNER_ISSUER = 'https://partner-idp.example/realms/clinical';
const AUDIENCE = 'praesidium';
/** FHIR R4 requires each provision actor's role: the clinician who performs the use. */
const PERFORMER = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRF' }],
};

/**
 * Broken access control found by review: rules a policy may write that the API did not enforce, and
 * ownership decided on the subject alone when several issuers are trusted.
 */
describe('access control: what the policy and the identity say is what the API enforces', () => {
  let platform: TestPlatform;
  let governance: string;
  let partnerKey: Jwk;
  let officer: string;
  let secondOfficer: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'praesidium-access-'));
    partnerKey = await generateKey('sign', 'partner-1');
    writeFileSync(
      path.join(dir, 'partner-jwks.json'),
      JSON.stringify({ keys: [await toPublicJwk(partnerKey)] }),
    );
    writeFileSync(
      path.join(dir, 'issuers.json'),
      JSON.stringify({
        issuers: [{ issuer: PARTNER_ISSUER, audience: AUDIENCE, jwksFile: 'partner-jwks.json' }],
      }),
    );
    platform = await startTestPlatform('postgres', {
      PRAESIDIUM_AUTH_ISSUERS_FILE: path.join(dir, 'issuers.json'),
      // The demo's personas beside the partner IdP: beside an issuers file only when asked for.
      PRAESIDIUM_DEMO: 'on',
      PRAESIDIUM_AUTH_AUDIENCE: AUDIENCE,
      // Registry changes reach the gateway at once: what it serves next is the change's whole effect.
      PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS: '0',
    });
    governance = platform.config.http.governanceUrl;
    officer = await platform.token('security-officer');
    secondOfficer = await platform.token('second-security-officer');
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A token of the partner IdP for a subject that happens to equal one of the demo issuer's. */
  async function partnerToken(
    subject: string,
    roles: readonly string[],
    claims: Record<string, unknown> = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(partnerKey, {
      iss: PARTNER_ISSUER,
      aud: AUDIENCE,
      sub: subject,
      roles,
      department: ['pain-medicine'],
      iat: now,
      exp: now + 600,
      ...claims,
    });
  }

  async function activate(document: PolicyDocument, reason: string): Promise<void> {
    const proposed = await call('POST', `${governance}/policies`, {
      token: officer,
      body: { document, reason },
    });
    expect(proposed.status).toBe(201);
    const approved = await call('POST', `${governance}/policies/${proposed.body.version as number}/approve`, {
      token: secondOfficer,
    });
    expect(approved.status).toBe(200);
  }

  it('does not treat a conditional rule as a grant on every record (fails closed where rows are not filtered)', async () => {
    const roles = DEFAULT_POLICY.roles;
    await activate(
      {
        ...DEFAULT_POLICY,
        roles: {
          ...roles,
          // "Model owners read the bias reports they requested", "administrators read the policies
          // they wrote", and "security officers do not see grants declared for `other` reasons".
          'model-owner': [
            ...(roles['model-owner'] ?? []).filter((rule) => rule.subject !== 'BiasReport'),
            {
              action: 'read',
              subject: 'BiasReport',
              conditions: { requestedBy: '${principal.subject}' },
            },
          ],
          administrator: [
            ...(roles.administrator ?? []).filter((rule) => rule.subject !== 'Policy'),
            { action: 'read', subject: 'Policy', conditions: { author: '${principal.subject}' } },
          ],
          'security-officer': [
            ...(roles['security-officer'] ?? []),
            { action: 'read', subject: 'BreakGlass', inverted: true, conditions: { reasonCode: 'other' } },
          ],
        },
      },
      'narrow reads to own records',
    );
    try {
      const owner = await tokenFor(platform, 'owner.without.reports', ['model-owner']);
      const admin = await tokenFor(platform, 'site.admin', ['administrator']);
      // The bias report list applies the conditions to its rows (as GET /models): none of another's.
      const reports = await call('GET', `${governance}/bias-reports`, { token: owner });
      expect(reports.status).toBe(200);
      expect(reports.body).toEqual([]);
      // Each of these answered every record, whoever requested or wrote it.
      expect((await call('GET', `${governance}/policies`, { token: admin })).status).toBe(403);
      expect((await call('GET', `${governance}/policies/1`, { token: admin })).status).toBe(403);
      expect((await call('GET', `${governance}/break-glass/alerts`, { token: officer })).status).toBe(403);
      // Unconditional rules still serve, and the model list still filters its rows by the conditions.
      expect((await call('GET', `${governance}/policies`, { token: officer })).status).toBe(200);
      const clinician = await platform.token('pain-clinician');
      expect((await call('GET', `${governance}/models`, { token: clinician })).status).toBe(200);
    } finally {
      await activate(DEFAULT_POLICY, 'restore the seed policy');
    }
  });

  it('does not answer GET /models/{name} whole to a registry reader whose read Model conditions leave the model out', async () => {
    const roles = DEFAULT_POLICY.roles;
    await activate(
      {
        ...DEFAULT_POLICY,
        roles: {
          ...roles,
          // Ethics-board members see the models of their departments; their versions' rules unchanged.
          'ethics-board': [
            ...(roles['ethics-board'] ?? []).filter(
              (rule) => !(rule.subject === 'Model' && rule.action === 'read'),
            ),
            {
              action: 'read',
              subject: 'Model',
              conditions: { departments: { $in: '${principal.departments}' } },
            },
          ],
        },
      },
      'ethics board reads the models of its departments',
    );
    try {
      const cardiology = await tokenFor(platform, 'ethics.cardiology', ['ethics-board'], {
        departments: ['cardiology'],
      });
      const listed = await call('GET', `${governance}/models`, { token: cardiology });
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([]);
      // It answered the model whole, versions and backends included, to a reader the list leaves out.
      expect(
        (await call('GET', `${governance}/models/${LUMBAR_ESI_MODEL_NAME}`, { token: cardiology })).body,
      ).toMatchObject({ status: 404, code: 'model.unknown' });
      const pain = await tokenFor(platform, 'ethics.pain', ['ethics-board'], {
        departments: ['pain-medicine'],
      });
      const model = await call('GET', `${governance}/models/${LUMBAR_ESI_MODEL_NAME}`, { token: pain });
      expect(model.status).toBe(200);
      expect((model.body.versions as Record<string, unknown>[])[0]).toHaveProperty('backendUrl');
    } finally {
      await activate(DEFAULT_POLICY, 'restore the seed policy');
    }
  });

  it('does not treat a rule for some fields as a grant of whole records (only consents withhold fields)', async () => {
    const roles = DEFAULT_POLICY.roles;
    const without = (list: typeof roles.clinician, subject: string) =>
      (list ?? []).filter((rule) => !(rule.action === 'read' && rule.subject === subject));
    const clinician = await platform.token('pain-clinician');
    const grant = await call('POST', `${governance}/break-glass`, {
      token: clinician,
      body: {
        patient: 'Patient/fields-1',
        reasonCode: 'life-threatening-emergency',
        justification: 'unresponsive, no consent record reachable',
      },
    });
    expect(grant.status).toBe(201);
    await activate(
      {
        ...DEFAULT_POLICY,
        roles: {
          ...roles,
          // "Count the alerts without seeing who declared them or why", "see the policy versions, not
          // who wrote them", "see the verdicts of bias reports", "see the model names".
          'security-officer': [
            ...without(roles['security-officer'], 'BreakGlass'),
            { action: 'read', subject: 'BreakGlass', fields: ['id', 'reasonCode', 'startedAt', 'expiresAt'] },
          ],
          administrator: [
            ...without(roles.administrator, 'Policy'),
            { action: 'read', subject: 'Policy', fields: ['version'] },
          ],
          'model-owner': [
            ...without(roles['model-owner'], 'BiasReport'),
            { action: 'read', subject: 'BiasReport', fields: ['id', 'verdict'] },
          ],
          clinician: [
            ...without(roles.clinician, 'Model'),
            { action: 'read', subject: 'Model', fields: ['name'] },
          ],
        },
      },
      'narrow reads to some fields',
    );
    try {
      const admin = await tokenFor(platform, 'site.admin', ['administrator']);
      const owner = await tokenFor(platform, 'owner.fields', ['model-owner']);
      // Each of these answered whole records: the grantee and justification, the authors, every report.
      expect((await call('GET', `${governance}/break-glass/alerts`, { token: officer })).status).toBe(403);
      expect(
        (await call('GET', `${governance}/break-glass/${grant.body.id as string}`, { token: officer }))
          .status,
      ).toBe(403);
      expect((await call('GET', `${governance}/policies`, { token: admin })).status).toBe(403);
      expect((await call('GET', `${governance}/bias-reports`, { token: owner })).status).toBe(403);
      expect((await call('GET', `${governance}/models`, { token: clinician })).status).toBe(403);
      // The consent endpoints withhold the fields not granted: the officer still reads the metadata.
      const consents = await call(
        'GET',
        `${governance}/consents?patient=${encodeURIComponent(DEMO_PATIENTS.consented)}`,
        { token: officer },
      );
      expect(consents.status).toBe(200);
      const [resource] = (consents.body.entry as { resource: Record<string, unknown> }[]).map(
        (entry) => entry.resource,
      );
      expect(resource).toMatchObject({ status: 'active', meta: { security: [{ code: 'REDACTED' }] } });
      expect(resource).not.toHaveProperty('provision');
    } finally {
      await activate(DEFAULT_POLICY, 'restore the seed policy');
    }
  });

  it("does not let a namesake from another trusted issuer read or end a clinician's break-glass grant", async () => {
    const clinician = await platform.token('pain-clinician');
    const grant = await call('POST', `${governance}/break-glass`, {
      token: clinician,
      body: {
        patient: 'Patient/namesake-1',
        reasonCode: 'life-threatening-emergency',
        justification: 'unresponsive, no consent record reachable',
      },
    });
    expect(grant.status).toBe(201);
    const grantId = grant.body.id as string;
    const namesake = await partnerToken(PERSONAS['pain-clinician'].subject, ['clinician']);

    const read = await call('GET', `${governance}/break-glass/${grantId}`, { token: namesake });
    expect(read.status).toBe(403);
    const ended = await call('POST', `${governance}/break-glass/${grantId}/end`, {
      token: namesake,
      body: {},
    });
    expect(ended.status).toBe(403);
    const still = await call('GET', `${governance}/break-glass/${grantId}`, { token: clinician });
    expect(still.status).toBe(200);
    expect(still.body.state).toBe('active');
  });

  const setPin = (token: string, body: Record<string, string>) =>
    call('PUT', `${governance}/signing-pin`, { token, body });
  /** Signs the demo model's version 1.0.0 as it stands (`reviewed`: no lifecycle step counts on it). */
  const sign = async (token: string, pin: string) => {
    const versionUrl = `${governance}/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0`;
    const version = await call('GET', versionUrl, { token });
    return call('POST', `${versionUrl}/signatures`, {
      token,
      body: {
        role: 'ethics-board',
        meaning: 'reviewed',
        recordSha256: version.body.approvalRecordSha256,
        pin,
      },
    });
  };

  it("does not let a namesake from another trusted issuer take, use or lock a signer's signing PIN", async () => {
    const subject = 'ethics.namesake-pin';
    const signer = await tokenFor(platform, subject, ['ethics-board']);
    const namesake = await partnerToken(subject, ['ethics-board']);
    expect((await setPin(signer, { pin: 'signer-pin-2026' })).status).toBe(204);

    // The signer's PIN is no second factor of the namesake's.
    expect((await sign(namesake, 'signer-pin-2026')).body).toMatchObject({
      code: 'signature.reauthentication_failed',
    });
    // The namesake enrols a PIN of their own, without the signer's and without touching it…
    expect((await setPin(namesake, { pin: 'namesake-pin-2026' })).status).toBe(204);
    // …and, even knowing the signer's PIN, changes only their own.
    expect(
      (await setPin(namesake, { pin: 'namesake-takeover', currentPin: 'signer-pin-2026' })).body,
    ).toMatchObject({ code: 'signature.reauthentication_failed' });
    // Wrong PINs lock the namesake's signing, not the signer's.
    for (let attempt = 0; attempt < 5; attempt += 1) await sign(namesake, `wrong-${attempt}`);
    expect((await sign(namesake, 'namesake-pin-2026')).body).toMatchObject({ code: 'signature.locked' });

    const signed = await sign(signer, 'signer-pin-2026');
    expect(signed.status).toBe(201);
    expect(signed.body).toMatchObject({ signerSubject: subject, signerIssuer: platform.config.auth.issuer });
  });

  it('keeps a signing PIN whose issuer the record did not show from signing for anyone until an operator binds it', async () => {
    const subject = 'ethics.legacy-pin';
    // As migration 1766000000000 leaves a PIN set under an issuer the audit trail did not show.
    const client = new pg.Client({ connectionString: platform.config.database.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO registry.signing_credential (issuer, subject, scrypt, failed_attempts, updated_at)
         VALUES ('', $1, $2, 0, now())`,
        [subject, await hashSigningPin('legacy-pin-2026')],
      );
    } finally {
      await client.end();
    }
    const signer = await tokenFor(platform, subject, ['ethics-board']);
    const namesake = await partnerToken(subject, ['ethics-board']);
    const unbound = { status: 409, code: 'signature.pin_unbound' };
    for (const token of [signer, namesake]) {
      expect((await sign(token, 'legacy-pin-2026')).body).toMatchObject(unbound);
      // Nor does a bearer token alone enrol a new PIN beside it.
      expect((await setPin(token, { pin: 'fresh-pin-2026' })).body).toMatchObject(unbound);
    }

    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: platform.config.database.url ?? '',
      PRAESIDIUM_DATA_DIR: platform.config.dataDir,
      PRAESIDIUM_GOVERNANCE_PORT: String(platform.config.http.governancePort),
      PRAESIDIUM_AUTH_ISSUERS_FILE: path.join(dir, 'issuers.json'),
      // As the platform runs: the demo issuer, whose signer the operator binds, is trusted beside the file.
      PRAESIDIUM_DEMO: 'on',
      PRAESIDIUM_AUTH_AUDIENCE: AUDIENCE,
    };
    const listed = await praesidium(['signing-pins', 'unbound'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`"subject":"${subject}"`);
    const untrusted = await praesidium(
      ['signing-pins', 'bind', '--subject', subject, '--issuer', 'https://rogue.example'],
      env,
    );
    expect(untrusted.code).toBe(2);
    const bound = await praesidium(
      ['signing-pins', 'bind', '--subject', subject, '--issuer', platform.config.auth.issuer],
      env,
    );
    expect(bound).toMatchObject({ code: 0 });

    // Bound: the signer signs with the PIN they set long ago; the namesake neither uses it nor is held up.
    expect((await sign(signer, 'legacy-pin-2026')).status).toBe(201);
    expect((await sign(namesake, 'legacy-pin-2026')).body).toMatchObject({
      code: 'signature.reauthentication_failed',
    });
    expect((await setPin(namesake, { pin: 'namesake-pin-2026' })).status).toBe(204);
    const audit = await call('GET', `${governance}/audit/events?action=signing_pin.bound`, {
      token: officer,
    });
    expect(audit.body.records).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({
          outcome: 'success',
          requestSha256: contentHash({ subject, issuer: platform.config.auth.issuer }),
        }),
      }),
    ]);
  });

  it("does not show a namesake from another trusted issuer a security officer's job", async () => {
    const started = await call('POST', `${governance}/audit/verifications`, { token: officer, body: {} });
    expect(started.status).toBe(202);
    const jobUrl = `${governance}/jobs/${started.body.job as string}`;
    const namesake = await partnerToken(PERSONAS['security-officer'].subject, ['security-officer']);

    expect((await call('GET', jobUrl, { token: namesake })).body).toMatchObject({
      status: 404,
      code: 'request.not_found',
    });
    const own = await call('GET', jobUrl, { token: officer });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      requestedBy: PERSONAS['security-officer'].subject,
      requestedByIssuer: platform.config.auth.issuer,
    });
  });

  it("does not count a namesake from another trusted issuer as the second person of a policy's four eyes", async () => {
    // Issuer and subject name a person; but one directory may be trusted under two issuer names (a
    // Keycloak realm reached under two host names), so the same subject is never a second person.
    const proposed = await call('POST', `${governance}/policies`, {
      token: officer,
      body: { document: DEFAULT_POLICY, reason: 'proposed by the officer, approved by their namesake?' },
    });
    expect(proposed.status).toBe(201);
    const namesake = await partnerToken(PERSONAS['security-officer'].subject, ['security-officer']);
    const approved = await call('POST', `${governance}/policies/${proposed.body.version as number}/approve`, {
      token: namesake,
    });
    expect(approved.body).toMatchObject({ status: 403, code: 'policy.four_eyes' });
  });

  it("leaves a record of who read a patient's consents, listed or as their history, not only exported", async () => {
    const clinician = await platform.token('pain-clinician');
    const patient = 'Patient/reads-1';
    const recorded = await call('POST', `${governance}/consents`, {
      token: clinician,
      body: purposeConsent(patient, { type: 'deny' }),
    });
    expect(recorded.status).toBe(201);
    const query = `patient=${encodeURIComponent(patient)}`;
    expect((await call('GET', `${governance}/consents?${query}`, { token: clinician })).status).toBe(200);
    const history = await call(
      'GET',
      `${governance}/consents/${recorded.body.id as string}/history?${query}`,
      {
        token: clinician,
      },
    );
    expect(history.status).toBe(200);

    const audit = await call('GET', `${governance}/audit/events?limit=100&${query}`, { token: officer });
    const events = (
      audit.body.records as { event: { action: string; agent: Record<string, unknown> } }[]
    ).map((record) => record.event);
    const read = (action: string) => events.find((event) => event.action === action);
    for (const action of ['consent.listed', 'consent.history_read'])
      expect(read(action)?.agent).toMatchObject({
        subject: PERSONAS['pain-clinician'].subject,
        issuer: platform.config.auth.issuer,
      });
  });

  it("leaves a record of which patient's trail a security officer searched or exported", async () => {
    const query = `patient=${encodeURIComponent('Patient/reads-1')}`;
    expect((await call('GET', `${governance}/audit/events?${query}`, { token: officer })).status).toBe(200);
    const exported = await fetch(`${governance}/audit/export?format=ndjson&${query}`, {
      headers: { authorization: `Bearer ${officer}` },
    });
    expect(exported.status).toBe(200);
    await exported.text();

    const audit = await call('GET', `${governance}/audit/events?limit=100&${query}`, { token: officer });
    const actions = (audit.body.records as { event: { action: string; agent: Record<string, unknown> } }[])
      .map((record) => record.event)
      .filter((event) => event.action === 'audit.searched' || event.action === 'audit.exported');
    expect(actions.map((event) => event.action)).toEqual(
      expect.arrayContaining(['audit.searched', 'audit.exported']),
    );
    for (const event of actions) expect(event.agent).toMatchObject({ issuer: platform.config.auth.issuer });
  });

  it("does not give a namesake from another trusted issuer what a patient's consent grants one clinician", async () => {
    const gateway = platform.config.http.gatewayUrl;
    const subject = PERSONAS['pain-clinician'].subject;
    const clinician = await platform.token('pain-clinician');
    const namesake = await partnerToken(subject, ['clinician'], { trainings: [LUMBAR_ESI_MODEL_NAME] });
    const infer = (token: string, patient: string) =>
      call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
        token,
        body: { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() },
      });
    /** The patient refuses treatment use but by the one clinician the actor names. */
    const onlyBy = async (patient: string, actor: Record<string, unknown>) => {
      const base = purposeConsent(patient, { type: 'deny' });
      const recorded = await call('POST', `${governance}/consents`, {
        token: clinician,
        body: {
          ...base,
          provision: {
            ...base.provision,
            provision: [{ type: 'permit', actor: [{ role: PERFORMER, ...actor }] }],
          },
        },
      });
      expect(recorded.status).toBe(201);
    };

    // A reference without an issuer names the subject at the issuer consents are read under (here the
    // first trusted one, the demo issuer): the namesake at the partner IdP is refused.
    await onlyBy('Patient/namesake-consent-1', { reference: { reference: `Practitioner/${subject}` } });
    const allowed = await eventually(
      () => infer(clinician, 'Patient/namesake-consent-1'),
      (answer) => answer.status === 200,
    );
    expect(allowed.status).toBe(200);
    expect((await infer(namesake, 'Patient/namesake-consent-1')).body).toMatchObject({
      status: 403,
      code: 'consent.denied',
    });

    // An identifier names one person: the partner's clinician, and not the demo issuer's namesake.
    await onlyBy('Patient/namesake-consent-2', {
      reference: { identifier: { system: PARTNER_ISSUER, value: subject } },
    });
    const partnerAllowed = await eventually(
      () => infer(namesake, 'Patient/namesake-consent-2'),
      (answer) => answer.status === 200,
    );
    expect(partnerAllowed.status).toBe(200);
    expect((await infer(clinician, 'Patient/namesake-consent-2')).body).toMatchObject({
      status: 403,
      code: 'consent.denied',
    });
  });

  it('serves a deployed version as approved: a later change of the model widens neither who may use it nor what it claims', async () => {
    const gateway = platform.config.http.gatewayUrl;
    const infer = (token: string) =>
      call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
        token,
        body: {
          parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
          inputs: exampleEsiInputs(),
        },
      });
    // Trained for the model, but of a department it was not approved for.
    const cardiologist = await partnerToken('cardiologist-trained', ['clinician'], {
      department: ['cardiology'],
      trainings: [LUMBAR_ESI_MODEL_NAME],
    });
    expect((await infer(cardiologist)).body).toMatchObject({ status: 403, code: 'access.denied' });

    const affairs = await platform.token('regulatory-affairs');
    const model = (await call('GET', `${governance}/models/${LUMBAR_ESI_MODEL_NAME}`, { token: affairs }))
      .body;
    const changed = await call('PUT', `${governance}/models/${LUMBAR_ESI_MODEL_NAME}`, {
      token: affairs,
      body: {
        intendedUse: `${model.intendedUse as string} Also for chest pain.`,
        limitations: model.limitations,
        departments: [...(model.departments as string[]), 'cardiology'],
        riskClass: model.riskClass,
        profile: model.profile,
        classification: model.classification,
      },
    });
    expect(changed.status).toBe(200);

    // The change is for versions yet to be approved: the deployed one serves as it was approved.
    expect((await infer(cardiologist)).body).toMatchObject({ status: 403, code: 'access.denied' });
    const answer = await infer(await platform.token('pain-clinician'));
    expect(answer.status).toBe(200);
    const meta = (answer.body.parameters as { praesidium: Record<string, unknown> }).praesidium;
    expect(meta.intended_use).toBe(model.intendedUse);
  });
});
