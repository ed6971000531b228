// A version's post-market performance in a real browser: the clinicians' feedback summary (counts by
// verdict and reason, rates) and recording it as performance, whose floor breach shows as an alert;
// the floors declared once for the version, and the schedule that records each period against them.
// axe-core on the page, screenshots as artifacts.
import { LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import type { Page } from 'playwright-core';
import { checkPage, launchBrowser, signInAs, type TestBrowser } from '../support/browser.js';
import { giveFeedback, inferAsClinician } from '../support/feedback.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

let platform: TestPlatform;
let browser: TestBrowser;
let page: Page;
let base: string;

beforeAll(async () => {
  platform = await startTestPlatform('postgres');
  base = platform.config.http.governanceUrl;
  const clinician = await platform.token('pain-clinician');
  const [first, second] = await Promise.all([
    inferAsClinician(platform, clinician),
    inferAsClinician(platform, clinician),
  ]);
  await giveFeedback(platform, clinician, first, 'accepted', 'output.agrees_with_assessment');
  await giveFeedback(platform, clinician, second, 'rejected', 'output.unsafe');
  browser = await launchBrowser();
  page = await browser.newPage();
  await signInAs(page, base, 'regulatory-affairs');
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

it('shows the feedback of the last 30 days on the version page, by verdict and reason, with the rates', async () => {
  await page.goto(`${base}/console/registry/${LUMBAR_ESI_MODEL_NAME}/1.0.0`);
  const section = page.locator('#post-market');
  await expect(section.getByRole('heading', { level: 2 }).textContent()).resolves.toBe(
    'Post-market performance',
  );
  const facts = await section.locator('dl.feedback-rates').textContent();
  expect(facts).toMatch(/Judgments\s*2/);
  expect(facts).toMatch(/Acceptance rate\s*50 %/);
  expect(facts).toMatch(/Override rate \(modified or rejected\)\s*50 %/);
  const verdicts = section.getByRole('table', { name: 'Feedback by verdict' });
  await expect(verdicts.getByRole('row', { name: 'rejected 1' }).count()).resolves.toBe(1);
  const reasons = section.getByRole('table', { name: 'Feedback by reason' });
  await expect(reasons.getByRole('row', { name: 'output.unsafe 1' }).count()).resolves.toBe(1);
  await checkPage(page, 'regulatory-version-post-market');
});

it('records the period as performance against a floor, and shows the alert', async () => {
  const section = page.locator('#post-market');
  await section.getByLabel(/^Minimum acceptance rate/).fill('0.9');
  await Promise.all([
    page.waitForURL(/#post-market$/),
    section.getByRole('button', { name: 'Record performance' }).click(),
  ]);
  await expect(page.getByRole('status').textContent()).resolves.toContain(
    'Recorded, with an alert: feedback_acceptance_rate [overall] 0.5 below 0.9',
  );
  const observations = page
    .locator('#post-market')
    .getByRole('table', { name: /Performance observations/ })
    .getByRole('row')
    .filter({ hasText: 'clinician-feedback' });
  await expect(observations.textContent()).resolves.toContain('alert');
  // A recording on request is marked as such, never as one of the schedule's periods.
  await expect(observations.locator('td.recording').textContent()).resolves.toBe('on request');
  await checkPage(page, 'regulatory-version-post-market-alert');
});

it('declares the floors once for the version, and shows them in force with the schedule', async () => {
  await page.goto(`${base}/console/registry/${LUMBAR_ESI_MODEL_NAME}/1.0.0#feedback-plan`);
  const section = page.locator('#post-market');
  await expect(section.locator('.feedback-schedule').textContent()).resolves.toContain(
    'No floors are declared',
  );
  await section.getByLabel(/^Declared minimum acceptance rate/).fill('0.8');
  await section.getByLabel(/^Declared minimum number of judgments/).fill('1');
  await section
    .getByLabel('Reason (recorded with the revision)')
    .fill('PMS plan: thresholds from the risk file');
  await Promise.all([
    page.waitForURL(/#feedback-plan$/),
    section.getByRole('button', { name: 'Declare floors' }).click(),
  ]);
  await expect(page.getByRole('status').textContent()).resolves.toContain('Floors declared');
  await expect(section.locator('.declared-floors').textContent()).resolves.toBe(
    'feedback_acceptance_rate [overall] ≥ 0.8; feedback_count [overall] ≥ 1',
  );
  await expect(section.locator('.feedback-schedule').textContent()).resolves.toContain(
    'Recorded automatically, each ISO week (Monday 00:00 UTC to Monday)',
  );
  const revisions = section.getByRole('table', { name: /Revisions of the declared floors/ });
  await expect(revisions.getByRole('row').filter({ hasText: 'PMS plan' }).count()).resolves.toBe(1);
  await Promise.all([
    page.waitForURL(/#feedback-plan$/),
    section.getByRole('button', { name: 'Record the closed periods now' }).click(),
  ]);
  await expect(page.getByRole('status').textContent()).resolves.toContain('Queued');
  await checkPage(page, 'regulatory-version-feedback-plan');
});

it('refuses a period that is not a date, readably', async () => {
  const response = await page.goto(`${base}/console/registry/${LUMBAR_ESI_MODEL_NAME}/1.0.0?from=yesterday`);
  expect(response?.status()).toBe(400);
  await expect(page.textContent('body')).resolves.toContain('request.invalid');
});
