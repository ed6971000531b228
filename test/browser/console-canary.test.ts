// The model owner's canary rollout in a real browser: start a canary of an approved version from its
// page, change its share, abort it, start it again and promote it; the models list shows the canary
// and its share. axe-core on every page, screenshots as artifacts.
import type { Page } from 'playwright-core';
import { call } from '../support/http.js';
import { checkPage, launchBrowser, signInAs, type TestBrowser } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { approvedDemoVersion, registryPeople } from '../support/registry-lifecycle.js';

const MODEL = 'lumbar-esi-outcome';

let platform: TestPlatform;
let browser: TestBrowser;
let page: Page;
let base: string;

beforeAll(async () => {
  platform = await startTestPlatform('postgres');
  base = platform.config.http.governanceUrl;
  await approvedDemoVersion(platform, await registryPeople(platform), '2.0.0');
  browser = await launchBrowser();
  page = await browser.newPage();
  // Promote and abort ask before they act (data-confirm): the model owner says yes.
  page.on('dialog', (dialog) => void dialog.accept());
  await signInAs(page, base, 'model-owner');
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

const canarySection = () => page.locator('#canary');
const status = () => page.locator('[role=status]').first().textContent();

async function submit(form: string, fields: Record<string, string>, button: string | RegExp) {
  const section = canarySection().locator(`form[action$="${form}"]`);
  for (const [label, value] of Object.entries(fields)) await section.getByLabel(label).fill(value);
  await Promise.all([page.waitForURL(/#canary$/), section.getByRole('button', { name: button }).click()]);
}

describe('model owner', () => {
  it('starts a canary of an approved version from its page, and the models list shows its share', async () => {
    await page.goto(`${base}/console/registry/${MODEL}/2.0.0`);
    await expect(canarySection().textContent()).resolves.toContain('No canary runs');
    await submit(
      '/2.0.0/canary',
      {
        'Share of unpinned calls, in percent (1 to 50)': '20',
        'Only for clinicians at these sites (comma-separated; empty: every site)': ' main-campus , ',
        'Only for clinicians of these departments (comma-separated; empty: every department)':
          'pain-medicine, spine-surgery',
        'Reason (recorded with the change)': 'first 20 %',
      },
      'Start the canary',
    );
    await expect(status()).resolves.toContain('Canary started');
    await expect(canarySection().textContent()).resolves.toContain(
      '20 % of the unpinned calls of clinicians at main-campus, in pain-medicine, spine-surgery',
    );
    await checkPage(page, 'regulatory-version-canary');

    await page.goto(`${base}/console/registry`);
    const row = page.getByRole('row').filter({ hasText: MODEL });
    await expect(row.textContent()).resolves.toContain('canary 20 % of clinicians at main-campus');

    // The deployed version's page names the canary too, without its buttons.
    await page.goto(`${base}/console/registry/${MODEL}/1.0.0`);
    await expect(canarySection().textContent()).resolves.toContain("is the model's canary");
    await expect(canarySection().getByRole('button').count()).resolves.toBe(0);
  });

  it('changes the share, aborts, and refuses a share out of range with its reason code', async () => {
    await page.goto(`${base}/console/registry/${MODEL}/2.0.0`);
    await submit(
      '/canary/share',
      { 'Share of unpinned calls, in percent (1 to 50)': '35', Reason: 'widen' },
      'Change the share',
    );
    await expect(status()).resolves.toContain('35 %');
    await expect(canarySection().textContent()).resolves.toContain('35 %');

    // The browser's own check stops 51; the API's rule is what stands, so ask it directly too.
    const refused = await call('PUT', `${base}/models/${MODEL}/canary/share`, {
      token: await platform.token('model-owner'),
      body: { sharePercent: 51, reason: 'too wide' },
    });
    expect(refused.body).toMatchObject({ status: 400, code: 'canary.share_invalid' });

    await submit('/canary/abort', { Reason: 'latency regression' }, 'Abort the canary');
    await expect(status()).resolves.toContain('Canary aborted');
    await expect(canarySection().textContent()).resolves.toContain('No canary runs');
    await expect(canarySection().getByRole('table').textContent()).resolves.toContain('abort');
  });

  it('promotes a canary: the version becomes the deployed one', async () => {
    await page.goto(`${base}/console/registry/${MODEL}/2.0.0`);
    await submit(
      '/2.0.0/canary',
      { 'Share of unpinned calls, in percent (1 to 50)': '10', 'Reason (recorded with the change)': 'again' },
      'Start the canary',
    );
    await submit('/canary/promote', { Reason: 'two weeks without a regression' }, /^Promote/);
    await expect(status()).resolves.toContain('Promoted');
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('deployed');
    await checkPage(page, 'regulatory-version-promoted');
  });
});
