// Each persona's main tasks in the console, in a real browser: a clinician records and revokes a
// consent; a security officer verifies the audit trail and suspends a model (the gateway refuses it
// next); a hostile model name is rendered inert. axe runs on every page, each page is screenshotted.
import type { Page } from 'playwright-core';
import { checkPage, launchBrowser, signInAs, type TestBrowser } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

let platform: TestPlatform;
let browser: TestBrowser;
let page: Page;
let base: string;
/** Booting the platform and Chromium on a busy 2-core machine (CI runs two test files at once). */
const BOOT_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  platform = await startTestPlatform('postgres');
  base = platform.config.http.governanceUrl;
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
}, BOOT_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
}, BOOT_TIMEOUT_MS);

describe('clinician', () => {
  const patient = `Patient/console-${Date.now()}`;

  it('records a consent with how it was verified, and revokes it', async () => {
    await signInAs(page, base, 'pain-clinician');
    await page.getByRole('link', { name: 'Patient consents' }).first().click();
    await page.fill('#lookup-patient', patient);
    await page.getByRole('button', { name: 'Look up consents' }).click();
    await expect(page.locator('main').textContent()).resolves.toContain('No consent is recorded');
    await page.selectOption('#record-verification', 'signed-form');
    await page.getByRole('button', { name: 'Record the consent' }).click();
    await expect(page.locator('[role=status]').first().textContent()).resolves.toContain('Consent recorded');
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('active');
    await checkPage(page, 'clinician-consents');

    await page.getByRole('button', { name: 'Revoke' }).click();
    await expect(page.locator('[role=status]').first().textContent()).resolves.toContain('Consent revoked');
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('inactive');
    // The only patient identifier on the page is the one typed; it never went into a URL.
    expect(page.url()).not.toContain('console-');
  });

  it('shows which models the clinician may use, and why not', async () => {
    await signInAs(page, base, 'cardiology-clinician');
    await page.goto(`${base}/console/clinician/models`);
    const row = page.locator('tr', { hasText: 'lumbar-esi-outcome' });
    await expect(row.textContent()).resolves.toContain('no');
    await expect(row.textContent()).resolves.toContain('you have not attested its training');
    await checkPage(page, 'clinician-models');
    // The icon comes with the page (browsers otherwise ask /favicon.ico, a 404 on every visit).
    await expect(page.locator('link[rel=icon]').getAttribute('href')).resolves.toMatch(
      /^data:image\/svg\+xml,/,
    );
    await page.goto(`${base}/console/clinician/feedback`);
    await checkPage(page, 'clinician-feedback');
  });
});

describe('security officer', () => {
  it('verifies the audit trail and reads the result plainly', async () => {
    await signInAs(page, base, 'security-officer');
    await page.goto(`${base}/console/security/audit`);
    await checkPage(page, 'security-audit');
    await page.getByRole('button', { name: 'Verify the audit trail' }).click();
    await page.waitForURL(/\/console\/security\/audit\/verifications\//);
    const verdict = page.locator('.verdict');
    await verdict.waitFor({ timeout: 50_000 });
    await expect(verdict.textContent()).resolves.toMatch(
      /^The audit trail is intact: \d+ records in \d+ chains verified/,
    );
    await checkPage(page, 'security-audit-verification');
  });

  it('searches the audit trail and finds the consent changes', async () => {
    await page.goto(`${base}/console/security/audit`);
    await page.fill('#f-action', 'consent.revoked');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('table').textContent()).resolves.toContain('consent.revoked');
    await checkPage(page, 'security-audit-search');
  });

  it('shows every security page without a serious accessibility violation', async () => {
    for (const [path, name] of [
      ['/console/security/decisions', 'security-decisions'],
      ['/console/security/break-glass', 'security-break-glass'],
      ['/console/security/policies', 'security-policies'],
      ['/console/security/policies/1', 'security-policy'],
      ['/console/security/policies/diff?from=1&to=2', 'security-policy-diff'],
      ['/console/security/keys', 'security-keys'],
      ['/console/security/suspensions', 'security-suspensions'],
      ['/console/security/models', 'security-models'],
    ]) {
      const response = await page.goto(`${base}${path}`);
      expect(response?.status()).toBe(200);
      await expect(page.locator('.notice.problem').count()).resolves.toBe(0);
      await checkPage(page, name);
    }
    await expect(page.locator('main').textContent()).resolves.toContain('lumbar-esi-outcome');
  });

  it('suspends a model, and the gateway refuses it on the next call', async () => {
    await page.goto(`${base}/console/security/models`);
    const form = page.locator(
      'form[action="/console/security/models/lumbar-esi-outcome/versions/1.0.0/suspend"]',
    );
    await form.locator('input[name=reason]').fill('incident 42: suspected drift');
    await form.getByRole('button').click();
    await expect(page.locator('[role=status]').first().textContent()).resolves.toContain('is suspended');
    const answer = await fetch(`${platform.config.http.gatewayUrl}/v2/models/lumbar-esi-outcome/infer`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await platform.token('pain-clinician')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        parameters: { patient: 'Patient/esi-demo-1001', purpose_of_use: 'TREAT' },
        inputs: [],
      }),
    });
    expect(answer.status).toBe(409);
    expect(((await answer.json()) as { code: string }).code).toBe('model.not_deployed');
  });

  it('renders a hostile model name as text, and the CSP blocks inline script', async () => {
    const hostile = `"><script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`;
    await page.goto(`${base}/console/security/audit`);
    await page.fill('#f-model', hostile);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.inputValue('#f-model')).resolves.toBe(hostile);
    await expect(page.evaluate('window.__xss')).resolves.toBeUndefined();
    await expect(page.locator('main script, main img').count()).resolves.toBe(0);
    // Even markup that got in would not run: the CSP refuses inline script.
    const blocked = await page.evaluate(`new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (event) => resolve(event.violatedDirective));
      const script = document.createElement('script');
      script.textContent = 'window.__xss = 3';
      document.body.append(script);
    })`);
    expect(blocked).toMatch(/^script-src/);
    await expect(page.evaluate('window.__xss')).resolves.toBeUndefined();
    // The registry refuses such a name at the edge, so it cannot reach a page from there either.
    const registered = await fetch(`${base}/models`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await platform.token('regulatory-affairs')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: hostile }),
    });
    expect(registered.status).toBeGreaterThanOrEqual(400);
    expect(registered.status).toBeLessThan(500);
  });

  it('answers a malformed address with a readable refusal, not an internal error', async () => {
    for (const path of [
      '/console/bias-reports/not-a-report',
      '/console/documents/not-a-document/archive',
      '/console/documents/00000000-0000-4000-8000-000000000000/download',
    ]) {
      const response = await page.goto(`${base}${path}`);
      expect(response?.status()).toBe(400);
      await expect(page.locator('main').textContent()).resolves.toContain('request.invalid');
    }
    await checkPage(page, 'malformed-address');
  });
});
