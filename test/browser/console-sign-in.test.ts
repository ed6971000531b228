// The console's foundation in a real browser: OpenID Connect sign-in with PKCE, the demo persona
// picker, the session cookie's flags, the security headers and CSP, CSRF refusals, and axe on each page.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { generateKey } from '@praesidium/keys';
import { checkPage, launchBrowser, signInAs, type TestBrowser } from '../support/browser.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { startTestIdp, type TestIdp, type TestIssuer, type TestSignIn } from '../support/test-idp.js';

/** The console's session cookie (`__Host-`: Secure, Path=/, no Domain). */
const SESSION_COOKIE = '__Host-praesidium-console';

let platform: TestPlatform;
let browser: TestBrowser;
let idp: TestIdp;
let hospital: TestIssuer;
let page: Page;
let base: string;
/** Booting the platform and Chromium on a busy 2-core machine (CI runs two test files at once). */
const BOOT_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  idp = await startTestIdp();
  hospital = idp.add('hospital', [await generateKey('sign', 'hospital-1')]);
  const governancePort = await freePort();
  base = `http://127.0.0.1:${governancePort}`;
  const signIn: TestSignIn = {
    clientId: 'praesidium-console',
    redirectUri: `${base}/console/auth/callback`,
    audience: 'praesidium',
    user: { sub: 'n.okoye', name: 'Nneka Okoye', roles: ['security-officer'], department: ['it-security'] },
    tokenRequests: [],
  };
  hospital.signIn = signIn;
  const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-console-idp-'));
  const issuersFile = path.join(dir, 'issuers.json');
  await writeFile(
    issuersFile,
    JSON.stringify({
      issuers: [{ issuer: hospital.issuer, audience: 'praesidium', jwksUrl: hospital.jwksUrl }],
    }),
  );
  platform = await startTestPlatform('postgres', {
    PRAESIDIUM_GOVERNANCE_PORT: String(governancePort),
    PRAESIDIUM_AUTH_ISSUERS_FILE: issuersFile,
    // Both ways in, OpenID Connect and the persona picker: the demo beside a file only when asked for.
    PRAESIDIUM_DEMO: 'on',
    PRAESIDIUM_CONSOLE_OIDC_ISSUER: hospital.issuer,
    PRAESIDIUM_CONSOLE_OIDC_CLIENT_ID: signIn.clientId,
  });
  browser = await launchBrowser();
  page = await browser.newPage();
}, BOOT_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  await idp?.close();
}, BOOT_TIMEOUT_MS);

describe('signing in to the console', () => {
  it('sends a visitor who is not signed in to the sign-in page, which passes axe', async () => {
    await page.goto(`${base}/console/`);
    expect(page.url()).toBe(`${base}/console/sign-in`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    await checkPage(page, 'sign-in');
  });

  it('signs a hospital user in with OpenID Connect (authorization code + PKCE) and shows who they are', async () => {
    await page.goto(`${base}/console/sign-in`);
    await Promise.all([
      page.waitForURL(`${base}/console/`),
      page.getByRole('link', { name: 'Sign in with your organisation' }).click(),
    ]);
    await expect(page.locator('.who').textContent()).resolves.toContain('Nneka Okoye');
    const exchange = hospital.signIn?.tokenRequests.at(-1);
    expect(exchange?.grantType).toBe('authorization_code');
    expect(exchange?.codeVerifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    await checkPage(page, 'home-oidc');
  });

  it('keeps the session in a Secure, HttpOnly, SameSite cookie that scripts cannot read', async () => {
    const cookies = await browser.context.cookies(base);
    const session = cookies.find((cookie) => cookie.name === SESSION_COOKIE);
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    await expect(page.evaluate('document.cookie')).resolves.not.toContain('praesidium-console');
  });

  it('signs out on request, and the old page needs a new sign-in', async () => {
    await page.goto(`${base}/console/`);
    await Promise.all([
      page.waitForURL(`${base}/console/sign-in`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.goto(`${base}/console/`);
    expect(page.url()).toBe(`${base}/console/sign-in`);
  });

  it('refuses a copy of the session cookie taken before sign-out, put back into the browser after it', async () => {
    await signInAs(page, base, 'pain-clinician');
    await page.goto(`${base}/console/`);
    const session = (await browser.context.cookies(base)).find((cookie) => cookie.name === SESSION_COOKIE);
    if (!session) throw new Error('no session cookie after sign-in');
    await Promise.all([
      page.waitForURL(`${base}/console/sign-in`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    // Put back as it was taken (someone who copied it replays it whatever the console said since).
    await browser.context.addCookies([session]);
    expect(
      (await browser.context.cookies(base)).find((cookie) => cookie.name === SESSION_COOKIE)?.value,
    ).toBe(session.value);
    await page.goto(`${base}/console/`);
    expect(page.url()).toBe(`${base}/console/sign-in`);
    await expect(page.locator('.who').count()).resolves.toBe(0);
  });

  it('lets a demo persona in through the picker, with the strict CSP and security headers', async () => {
    await signInAs(page, base, 'pain-clinician');
    const response = await page.goto(`${base}/console/`);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await expect(page.locator('.who').textContent()).resolves.toContain('Dr Amara Rivera');
    await checkPage(page, 'home-clinician');
  });
});

describe('cross-site request forgery', () => {
  let attacker: Server;
  let attackerUrl: string;

  beforeAll(async () => {
    // Another origin the signed-in user visits: its page posts a form to the console on load.
    attacker = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<!doctype html><title>win a prize</title><form id="f" method="post" action="${base}/console/sign-out">` +
          `<input name="persona" value="security-officer"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    attacker.closeAllConnections();
    await new Promise((resolve) => attacker.close(resolve));
  });

  it('refuses a form posted from another site (no CSRF token) and keeps the user signed in', async () => {
    await signInAs(page, base, 'pain-clinician');
    const attack = await browser.newPage();
    const answer = attack.waitForResponse((response) => response.url() === `${base}/console/sign-out`);
    await attack.goto(attackerUrl);
    const refused = await answer;
    expect(refused.status()).toBe(403);
    await attack.waitForLoadState();
    await expect(attack.locator('main').textContent()).resolves.toContain('console.csrf_invalid');
    await checkPage(attack, 'csrf-refused');
    await attack.close();
    await page.goto(`${base}/console/`);
    await expect(page.locator('.who').textContent()).resolves.toContain('Dr Amara Rivera');
  });

  it('refuses a form whose CSRF token was tampered with', async () => {
    await page.goto(`${base}/console/`);
    await page.locator('form[action="/console/sign-out"] input[name=_csrf]').evaluate((input) => {
      (input as unknown as { value: string }).value = 'forged-token';
    });
    const [response] = await Promise.all([
      page.waitForResponse(`${base}/console/sign-out`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    expect(response.status()).toBe(403);
    await page.goto(`${base}/console/`);
    await expect(page.locator('.who').textContent()).resolves.toContain('Dr Amara Rivera');
  });
});
