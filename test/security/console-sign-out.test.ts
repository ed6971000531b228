// Signing out of the web console ends the session everywhere: a copy of the session cookie taken
// before sign-out (a shared computer, a stolen backup of the browser profile, a proxy's log) is
// refused afterwards by this governance process and by every other one on the same database, and a
// session whose sign-out cannot be checked is refused rather than trusted.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ConsoleBrowser, csrfTokenOf, type ConsolePage } from '../support/console-http.js';
import { call } from '../support/http.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';
import {
  PROCESS_START_TIMEOUT_MS,
  startPlatformProcess,
  stopPlatformProcesses,
  type PlatformProcess,
} from '../support/processes.js';

/** What the console's header shows a signed-in user, here the pain clinician persona. */
const RIVERA = 'Signed in as <strong>Dr Amara Rivera</strong>';

/** The console's answer to a session it does not accept: to the sign-in page, or refused. */
function expectSignedOut(page: ConsolePage): void {
  expect({ status: page.status, location: page.location }).toEqual({
    status: 303,
    location: '/console/sign-in',
  });
}

async function signOut(browser: ConsoleBrowser): Promise<void> {
  const home = await browser.get('/console/');
  const signedOut = await browser.post('/console/sign-out', { _csrf: csrfTokenOf(home) });
  expect(signedOut).toMatchObject({ status: 303, location: '/console/sign-in' });
  expect(browser.cookie).toBe('');
}

describe('console sign-out on PostgreSQL, two governance processes behind one address', () => {
  let platform: TestPlatform;
  let second: PlatformProcess;
  let governance: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    governance = platform.config.http.governanceUrl;
    const port = await freePort();
    // A replica: the same database and key store (so the same console-session key), the same public
    // address (so the same demo issuer), its own port.
    second = await startPlatformProcess('governance', port, '/health/ready', {
      DATABASE_URL: platform.config.database.url ?? '',
      PRAESIDIUM_DATA_DIR: platform.config.dataDir,
      PRAESIDIUM_GOVERNANCE_URL: governance,
      PRAESIDIUM_GOVERNANCE_PORT: String(port),
      PRAESIDIUM_GATEWAY_PORT: String(platform.config.http.gatewayPort),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(platform.config.http.sampleModelPort),
      PRAESIDIUM_MIGRATE_ON_START: 'false',
    });
  }, 2 * PROCESS_START_TIMEOUT_MS);
  afterAll(async () => {
    await stopPlatformProcesses();
    await platform?.stop();
  });

  it('refuses a cookie copied before sign-out, on this process and on the other one, from the next request', async () => {
    const browser = new ConsoleBrowser(governance);
    await browser.signInAs('pain-clinician');
    const page = await browser.get('/console/clinician/consents');
    const formToken = csrfTokenOf(page);
    const stolen = browser.copyTo(governance);
    const stolenElsewhere = browser.copyTo(second.url);
    // Before sign-out the copy works on both processes, forms included.
    expect((await stolen.get('/console/')).html).toContain(RIVERA);
    expect((await stolenElsewhere.get('/console/')).html).toContain(RIVERA);
    const lookup = { patient: 'Patient/sign-out-1', _csrf: formToken };
    expect((await stolenElsewhere.post('/console/clinician/consents/lookup', lookup)).status).toBe(200);

    await signOut(browser);

    // No cache: the next request of either process refuses it.
    expectSignedOut(await stolen.get('/console/'));
    expectSignedOut(await stolenElsewhere.get('/console/'));
    const posted = await stolenElsewhere.post('/console/clinician/consents/lookup', lookup);
    expect(posted.status).toBe(401);
    expect(posted.html).toContain('console.sign_in_required');
    expect(posted.html).not.toContain(RIVERA);
    // For good: replayed again later, on either process, it is still refused.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expectSignedOut(await stolen.get('/console/clinician/consents'));
    expectSignedOut(await stolenElsewhere.get('/console/'));
  });

  it('leaves other sessions of the same user signed in', async () => {
    const first = new ConsoleBrowser(governance);
    const other = new ConsoleBrowser(second.url);
    await first.signInAs('pain-clinician');
    await other.signInAs('pain-clinician');
    await signOut(first);
    const page = await other.get('/console/');
    expect(page.status).toBe(200);
    expect(page.html).toContain(RIVERA);
  });

  it('audits the sign-out with who signed out', async () => {
    const browser = new ConsoleBrowser(second.url);
    await browser.signInAs('ethics-board');
    await signOut(browser);
    const officer = await platform.token('security-officer');
    const audited = await call('GET', `${governance}/audit/events?action=console.signed_out&limit=1000`, {
      token: officer,
    });
    expect(audited.status).toBe(200);
    const records = audited.body.records as { event: { outcome: string; agent: { subject: string } } }[];
    expect(records.map((record) => record.event)).toContainEqual(
      expect.objectContaining({
        outcome: 'success',
        agent: expect.objectContaining({ subject: 'prof.ines.moreau' }),
      }),
    );
  });

  it('refuses every session while the signed-out sessions cannot be read or written, and accepts it again after', async () => {
    const browser = new ConsoleBrowser(governance);
    await browser.signInAs('pain-clinician');
    const database = new pg.Client({ connectionString: platform.config.database.url });
    await database.connect();
    const away = `console_sign_out_${randomUUID().slice(0, 8)}`;
    try {
      await database.query(`ALTER TABLE access.console_sign_out RENAME TO ${away}`);
      for (const url of [governance, second.url]) {
        const refused = await browser.copyTo(url).get('/console/');
        expect(refused.status).toBe(503);
        expect(refused.html).toContain('database.unavailable');
        expect(refused.html).not.toContain(RIVERA);
      }
      // The public sign-in page still answers, without a user.
      const signIn = await browser.get('/console/sign-in');
      expect(signIn.status).toBe(200);
      expect(signIn.html).not.toContain(RIVERA);
      // A sign-out that cannot be recorded says so, and leaves the session to sign out again.
      const failed = await browser.post('/console/sign-out', { _csrf: csrfTokenOf(signIn) });
      expect(failed.status).toBe(503);
      expect(failed.html).toContain('database.unavailable');
      expect(browser.cookie).not.toBe('');
    } finally {
      await database.query(`ALTER TABLE access.${away} RENAME TO console_sign_out`);
      await database.end();
    }
    // The cookie was kept: the session works again once its sign-out can be checked, and ends for
    // good when signing out again.
    expect((await browser.get('/console/')).html).toContain(RIVERA);
    const stolen = browser.copyTo(second.url);
    await signOut(browser);
    expectSignedOut(await stolen.get('/console/'));
  });
});

describe('console sign-out on the embedded PGlite default', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform('pglite');
  }, PROCESS_START_TIMEOUT_MS);
  afterAll(async () => {
    await platform?.stop();
  });

  it('refuses a cookie copied before sign-out', async () => {
    const governance = platform.config.http.governanceUrl;
    const browser = new ConsoleBrowser(governance);
    await browser.signInAs('security-officer');
    const stolen = browser.copyTo(governance);
    expect((await stolen.get('/console/')).status).toBe(200);
    await signOut(browser);
    expectSignedOut(await stolen.get('/console/'));
  });
});
