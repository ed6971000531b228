// A hospital deploys with its issuers file but forgets NODE_ENV=production. With PRAESIDIUM_DEMO left
// at `auto`, the demo must not run: no persona sign-in, no demo issuer routes, no demo tokens, and a
// token signed with the demo issuer's key (which every key store holds) is trusted nowhere.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { generateKey, signJwt, toPublicJwk, type Jwk } from '@praesidium/keys';
import { praesidium } from '../support/cli.js';
import { call, type JsonResponse } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const HOSPITAL_ISSUER = 'https://idp.hospital.test/realms/clinical';

function expectProblem(response: JsonResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

describe('the demo beside an issuers file, NODE_ENV not production, PRAESIDIUM_DEMO unset', () => {
  let dir: string;
  let platform: TestPlatform;
  let hospitalKey: Jwk;
  let governance: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'praesidium-demo-off-'));
    hospitalKey = await generateKey('sign', 'hospital-1');
    writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [await toPublicJwk(hospitalKey)] }));
    writeFileSync(
      path.join(dir, 'issuers.json'),
      JSON.stringify({
        issuers: [{ issuer: HOSPITAL_ISSUER, audience: 'praesidium', jwksFile: 'jwks.json' }],
      }),
    );
    platform = await startTestPlatform('postgres', {
      NODE_ENV: 'development',
      PRAESIDIUM_AUTH_ISSUERS_FILE: path.join(dir, 'issuers.json'),
    });
    governance = platform.config.http.governanceUrl;
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const now = () => Math.floor(Date.now() / 1000);
  /** What the persona picker would have minted: the demo issuer's key and `iss`, any role. */
  async function demoIssuerToken(): Promise<string> {
    return signJwt(platform.keyStore.current('demo-issuer'), {
      iss: `${governance}/demo-issuer`,
      aud: 'praesidium',
      sub: 'sam.okafor',
      roles: ['security-officer', 'clinician'],
      department: ['pain-medicine'],
      trainings: [LUMBAR_ESI_MODEL_NAME],
      iat: now(),
      exp: now() + 600,
    });
  }

  it('runs with the demo off', () => {
    expect(platform.config.demo).toBe(false);
    expect(platform.config.console.personaPicker).toBe(false);
  });

  it('serves no demo issuer discovery document or keys', async () => {
    for (const route of ['/demo-issuer/.well-known/openid-configuration', '/demo-issuer/jwks.json']) {
      expectProblem(await call('GET', `${governance}${route}`), 404, 'request.not_found');
    }
  });

  it('offers no persona sign-in, and a persona form posted anyway signs nobody in', async () => {
    const page = await fetch(`${governance}/console/sign-in`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('name="persona"');
    expect(html).not.toContain('security-officer');

    // The route does not exist, so the console's deny-by-default answers first: its error page.
    const posted = await fetch(`${governance}/console/sign-in/persona`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'persona=security-officer',
      redirect: 'manual',
    });
    expect(posted.status).toBe(401);
    expect(await posted.text()).toContain('console.sign_in_required');
    // Whatever session cookie came back (the error page's CSRF secret) holds no sign-in.
    const cookie = (posted.headers.get('set-cookie') ?? '').split(';')[0];
    const home = await fetch(`${governance}/console/`, { headers: { cookie }, redirect: 'manual' });
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/console/sign-in');
  });

  it('trusts no token signed by the demo issuer, at the gateway or the governance API', async () => {
    const token = await demoIssuerToken();
    expectProblem(
      await call('POST', `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
        token,
        body: {
          parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
          inputs: exampleEsiInputs(),
        },
      }),
      401,
      'token.issuer_untrusted',
    );
    expectProblem(
      await call('GET', `${governance}/audit/events?limit=1`, { token }),
      401,
      'token.issuer_untrusted',
    );
  });

  it("still admits the hospital's own identity provider", async () => {
    const token = await signJwt(hospitalKey, {
      iss: HOSPITAL_ISSUER,
      aud: 'praesidium',
      sub: 'officer-1',
      roles: ['security-officer'],
      iat: now(),
      exp: now() + 600,
    });
    expect((await call('GET', `${governance}/audit/events?limit=1`, { token })).status).toBe(200);
  });

  it('seeds no demo model', async () => {
    const token = await signJwt(hospitalKey, {
      iss: HOSPITAL_ISSUER,
      aud: 'praesidium',
      sub: 'ra-1',
      roles: ['regulatory-affairs'],
      iat: now(),
      exp: now() + 600,
    });
    const models = await call('GET', `${governance}/models`, { token });
    expect(models.status).toBe(200);
    expect(JSON.stringify(models.body)).not.toContain(LUMBAR_ESI_MODEL_NAME);
  });

  it('prints no demo token from the CLI with the same configuration', async () => {
    const run = await praesidium(['token', '--persona', 'security-officer'], {
      NODE_ENV: 'development',
      PRAESIDIUM_DATA_DIR: platform.config.dataDir,
      PRAESIDIUM_AUTH_ISSUERS_FILE: path.join(dir, 'issuers.json'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('token.demo_refused');
    expect(run.stderr).toContain('PRAESIDIUM_DEMO');
  });
});
