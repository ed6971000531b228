// Regulatory affairs and the ethics board in a real browser: the registry's models and versions,
// evidence upload, a document generated with its progress bar and downloaded, its completeness
// checklist; bias reports with charts and intervals, a comment, the Part 11 sign-off with the signing
// PIN, and the approval queue. axe-core on every page, screenshots as artifacts.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { verifySubmission } from '@praesidium/regulatory-docs';
import type { Page } from 'playwright-core';
import { computedBiasReport, EVALUATION_MAPPING } from '../support/bias-reports.js';
import { call } from '../support/http.js';
import { checkPage, launchBrowser, signInAs, type TestBrowser } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const MODEL = 'lumbar-esi-outcome';
const VERSION = '1.0.0';

let platform: TestPlatform;
let browser: TestBrowser;
let page: Page;
let base: string;

beforeAll(async () => {
  platform = await startTestPlatform('postgres');
  base = platform.config.http.governanceUrl;
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('regulatory affairs', () => {
  beforeAll(async () => {
    await signInAs(page, base, 'regulatory-affairs');
  });

  it('lists the models and versions with their lifecycle status', async () => {
    await navLink('Models and versions').click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Models and versions');
    const row = page.getByRole('row').filter({ hasText: MODEL });
    await expect(row.getByRole('link', { name: VERSION }).count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toContain('deployed');
    await checkPage(page, 'regulatory-models');
  });

  it('shows a version with its lifecycle, signatures and evidence, and uploads evidence through a form', async () => {
    await page.goto(`${base}/console/registry/${MODEL}/${VERSION}`);
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('deployed');
    await checkPage(page, 'regulatory-version');

    const evidence = page.locator('#evidence');
    await evidence.getByLabel('Kind').selectOption('test_report');
    await evidence.getByLabel('Title').fill('Bench test of the release build');
    await evidence.getByLabel(/^Summary/).fill('All 212 cases passed.');
    await evidence.getByLabel(/^File/).setInputFiles({
      name: 'bench-test.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('bench test: 212 of 212 cases passed\n'),
    });
    await Promise.all([
      page.waitForURL(/#evidence$/),
      evidence.getByRole('button', { name: 'Upload evidence' }).click(),
    ]);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Evidence added');
    const stored = await call('GET', `${base}/models/${MODEL}/versions/${VERSION}/evidence`, {
      token: await platform.token('regulatory-affairs'),
    });
    const added = (stored.body as unknown as { title: string; fileName: string; sha256: string }[]).find(
      (item) => item.title === 'Bench test of the release build',
    );
    expect(added?.fileName).toBe('bench-test.txt');
    expect(added?.sha256).toBe(sha256('bench test: 212 of 212 cases passed\n'));
    await expect(evidence.getByRole('table').textContent()).resolves.toContain('bench-test.txt');
  });

  it('refuses a file the API refuses (same validation), and says why', async () => {
    await page.goto(`${base}/console/registry/${MODEL}/${VERSION}`);
    const evidence = page.locator('#evidence');
    await evidence.getByLabel('Title').fill('Not really a PDF');
    await evidence.getByLabel(/^File/).setInputFiles({
      name: 'report.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from([0x00, 0x01, 0x02, 0x03, 0xff]),
    });
    await Promise.all([
      page.waitForURL(/#evidence$/),
      evidence.getByRole('button', { name: 'Upload evidence' }).click(),
    ]);
    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toMatch(/Refused:/);
    await expect(alert.locator('code').textContent()).resolves.toMatch(/^evidence\./);
    await expect(evidence.getByRole('table').textContent()).resolves.not.toContain('Not really a PDF');
  });

  it('refuses an evidence upload whose CSRF token was tampered with', async () => {
    await page.goto(`${base}/console/registry/${MODEL}/${VERSION}`);
    const evidence = page.locator('#evidence');
    await evidence.locator('input[name=_csrf]').evaluate((input) => {
      (input as unknown as { value: string }).value = 'forged-token';
    });
    await evidence.getByLabel('Title').fill('Forged upload');
    const [response] = await Promise.all([
      page.waitForResponse(
        (answer) => answer.url().endsWith('/evidence') && answer.request().method() === 'POST',
      ),
      evidence.getByRole('button', { name: 'Upload evidence' }).click(),
    ]);
    expect(response.status()).toBe(403);
    await expect(page.locator('main').textContent()).resolves.toContain('console.csrf_invalid');
  });

  it('generates the signed submission bundle with a progress bar, downloads its files and archive, and shows the completeness checklist', async () => {
    await page.goto(`${base}/console/registry/${MODEL}/${VERSION}`);
    await page
      .locator('#documents')
      .getByLabel(/Signed submission bundle/)
      .check();
    await Promise.all([
      page.waitForURL(/\/console\/documents\/[0-9a-f-]{36}$/),
      page.getByRole('button', { name: 'Generate' }).click(),
    ]);
    // The live region refreshes itself (console.js) until the job is done.
    await page.getByRole('heading', { name: 'Status: completed' }).waitFor({ timeout: 60_000 });
    await expect(page.locator('progress').count()).resolves.toBe(0);
    await checkPage(page, 'regulatory-document');

    const rows = page.locator('#document-status tbody tr');
    await expect(rows.count()).resolves.toBeGreaterThan(30);
    for (let i = 0; i < 3; i++) {
      const row = rows.nth(i);
      const expected = (await row.locator('code').textContent())?.trim();
      const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link').click()]);
      const bytes = await readFile((await download.path()) ?? '');
      expect(sha256(bytes)).toBe(expected);
    }

    // The whole bundle as one archive: unzipped, it verifies against the platform's published keys.
    const [archive] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /as one ZIP archive/ }).click(),
    ]);
    expect(archive.suggestedFilename()).toBe(`${MODEL}-${VERSION}-submission.zip`);
    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-console-bundle-'));
    try {
      for (const [name, bytes] of Object.entries(unzipSync(await readFile((await archive.path()) ?? '')))) {
        if (name.endsWith('/')) continue;
        await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await writeFile(path.join(dir, name), bytes);
      }
      const bundle = path.join(dir, `${MODEL}-${VERSION}-submission`);
      const verified = await verifySubmission(
        bundle,
        await platform.keyStore.publicJwks('regulatory-bundle'),
      );
      expect(verified).toMatchObject({ valid: true, problems: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // The demo model lacks datasets, risk items and more: each gap is an item of the checklist.
    const checklist = page.locator('ul.checklist li');
    await expect(checklist.count()).resolves.toBeGreaterThan(0);
    await expect(checklist.first().textContent()).resolves.toContain('required by');
  });

  it('shows a running document as a progress bar that reads without JavaScript', async () => {
    const token = await platform.token('regulatory-affairs');
    const created = await call('POST', `${base}/documents`, {
      token,
      body: { kind: 'sbom', model: MODEL, version: VERSION },
    });
    // The page as the server renders it (the browser's cookies, no script run): the status and bar are there.
    const answer = await page.request.get(`${base}/console/documents/${created.body.id as string}`);
    const html = await answer.text();
    expect(html).toMatch(/Status: (queued|running|completed)/);
    if (html.includes('Status: completed')) expect(html).not.toContain('<progress');
    else expect(html).toMatch(/<progress id="document-progress" max="100" value="\d+">/);
  });
});

describe('ethics board', () => {
  let reportId: string;
  let reportSha256: string;

  beforeAll(async () => {
    // The model owner's evaluation of this version, computed by the platform.
    ({ id: reportId, reportSha256 } = await computedBiasReport(
      base,
      await platform.token('model-owner'),
      `${EVALUATION_MAPPING}&resamples=200&seed=3&name=validation-2026.csv&modelVersion=${MODEL}@${VERSION}`,
    ));
    await signInAs(page, base, 'ethics-board');
  });

  it('sets a signing PIN', async () => {
    await navLink('Signing PIN').click();
    await checkPage(page, 'ethics-signing-pin');
    await page.getByLabel(/^New PIN/).fill('board-pin-2026');
    await Promise.all([
      page.waitForURL(`${base}/console/signing-pin`),
      page.getByRole('button', { name: 'Save PIN' }).click(),
    ]);
    await expect(page.getByRole('status').textContent()).resolves.toContain('signing PIN is set');
  });

  it('lists the bias reports', async () => {
    await navLink('Bias reports').click();
    const row = page.getByRole('row').filter({ hasText: 'validation-2026.csv' });
    await expect(row.textContent()).resolves.toContain(`${MODEL}@${VERSION}`);
    await expect(row.textContent()).resolves.toContain('completed');
    await checkPage(page, 'ethics-bias-reports');
  });

  it('shows a report with its charts and intervals, and takes a comment', async () => {
    await page.getByRole('link', { name: 'validation-2026.csv' }).click();
    expect(page.url()).toBe(`${base}/console/bias-reports/${reportId}`);
    const charts = page.locator('svg.chart[role=img]');
    await expect(charts.count()).resolves.toBeGreaterThan(0);
    await expect(charts.first().getAttribute('aria-label')).resolves.toBeTruthy();
    // Every estimate comes with its bootstrap interval.
    await expect(page.locator('main').textContent()).resolves.toMatch(/\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/);
    await checkPage(page, 'ethics-bias-report');

    await page
      .getByLabel('Your comment')
      .fill('Site 3 is small; please add the next quarter before approval.');
    await Promise.all([
      page.waitForURL(/#comments$/),
      page.getByRole('button', { name: 'Add comment' }).click(),
    ]);
    await expect(page.locator('#comments').textContent()).resolves.toContain('Site 3 is small');
  });

  it('refuses a sign-off with a wrong PIN, readably, and records nothing', async () => {
    await page.getByLabel('Signing PIN').fill('not-my-pin');
    await Promise.all([
      page.waitForURL(/#sign-off$/),
      page.getByRole('button', { name: 'Sign off' }).click(),
    ]);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Refused:');
    await expect(page.locator('#sign-off').textContent()).resolves.toContain(
      'Nobody has signed this report off',
    );
  });

  it('signs the report off with the signing PIN, bound to its SHA-256', async () => {
    await page.getByLabel('Meaning').selectOption('approved');
    await page.getByLabel('Signing PIN').fill('board-pin-2026');
    await Promise.all([
      page.waitForURL(/#sign-off$/),
      page.getByRole('button', { name: 'Sign off' }).click(),
    ]);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Signed off');
    const row = page.locator('#sign-off tbody tr');
    await expect(row.count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toContain('Prof Ines Moreau');
    await expect(row.textContent()).resolves.toContain(reportSha256);
    const read = await call('GET', `${base}/bias-reports/${reportId}`, {
      token: await platform.token('ethics-board'),
    });
    const signOff = read.body.signOff as { signatures: { meaning: string; recordSha256: string }[] };
    expect(signOff.signatures).toEqual([
      expect.objectContaining({ meaning: 'approved', recordSha256: reportSha256 }),
    ]);
    await checkPage(page, 'ethics-bias-report-signed');
  });

  it('shows the approval queue', async () => {
    await navLink('Approval queue').click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Approval queue');
    await checkPage(page, 'ethics-approval-queue');
  });
});

/** A link of the console's navigation (the home page lists the same links). */
function navLink(name: string) {
  return page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name });
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
