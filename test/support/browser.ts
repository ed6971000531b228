// The browser harness of the console tests: Debian's Chromium (never a browser downloaded by the test
// tool) driven by playwright-core, axe-core run inside each page, and a screenshot of each page saved
// under test-artifacts/console/ (git-ignored).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
export const CHROMIUM = process.env.PRAESIDIUM_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-artifacts', 'console');

/** The flags of every run: no network of its own, no first-run, no GPU, no sandbox (root in CI). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh Chromium with a fresh profile (its own --user-data-dir), closed and removed by `close()`. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const profile = await mkdtemp(path.join(tmpdir(), 'praesidium-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the demo persona picker, as a person would. */
export async function signInAs(page: Page, governanceUrl: string, persona: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${governanceUrl}/console/sign-in`);
  await page.check(`#persona-${persona}`);
  await Promise.all([page.waitForURL(`${governanceUrl}/console/`), page.click('button[type=submit]')]);
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) in the page and returns the serious and critical
 * violations. Injected through the DevTools protocol, not a <script>, so the page's CSP stays intact.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // Runs in the page: its globals, typed here without the DOM library.
    const { axe, document } = globalThis as unknown as { axe: AxeRunner; document: unknown };
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

interface AxeRunner {
  run(
    context: unknown,
    options: object,
  ): Promise<{
    violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  }>;
}

/** Saves a full-page screenshot as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Every page of the console gets the same treatment: a screenshot, and no serious axe violation. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}
