// A security officer whose policy lets them suspend only some models sees a suspend button for those
// only: the console offers what the API would do, model by model (its name, departments, risk class),
// and the API still refuses the others if a form is posted by hand.
import type { PolicyDocument, PolicyRule } from '@praesidium/access';
import { AFTERCARE_MODEL_NAME, FLUORO_NEEDLE_MODEL_NAME, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { ConsoleBrowser, csrfTokenOf } from '../support/console-http.js';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/** The policy in force with the security officers' `suspend ModelVersion` narrowed to one model. */
function suspendOnly(active: PolicyDocument, model: string): PolicyDocument {
  const isSuspend = (rule: PolicyRule) => rule.action === 'suspend' && rule.subject === 'ModelVersion';
  const officer = active.roles['security-officer'] ?? [];
  expect(officer.some(isSuspend)).toBe(true);
  return {
    ...active,
    description: `security officers suspend ${model} only`,
    roles: {
      ...active.roles,
      'security-officer': [
        ...officer.filter((rule) => !isSuspend(rule)),
        ...officer.filter(isSuspend).map((rule) => ({ ...rule, conditions: { model } })),
      ],
    },
  };
}

/** The suspend form of each deployed version on the page, by model name. */
function suspendFormsOf(html: string): string[] {
  return [...html.matchAll(/action="\/console\/security\/models\/([^/"]+)\/versions\/[^/"]+\/suspend"/g)].map(
    (match) => decodeURIComponent(match[1]),
  );
}

describe('the console offers a security officer the suspensions their policy allows', () => {
  let platform: TestPlatform;
  let governance: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    governance = platform.config.http.governanceUrl;
    const officer = await platform.token('security-officer');
    const active = await call('GET', `${governance}/policies/active`, { token: officer });
    const proposed = await call('POST', `${governance}/policies`, {
      token: officer,
      body: {
        document: suspendOnly(active.body.document as PolicyDocument, LUMBAR_ESI_MODEL_NAME),
        reason: 'suspensions of the lumbar model only',
      },
    });
    expect(proposed.status).toBe(201);
    const approved = await call('POST', `${governance}/policies/${proposed.body.version as number}/approve`, {
      token: await platform.token('second-security-officer'),
    });
    expect(approved.status).toBe(200);
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('shows the suspend form for the permitted model only, and says why not for the others', async () => {
    const browser = new ConsoleBrowser(governance);
    await browser.signInAs('security-officer');
    const page = await browser.get('/console/security/models');
    expect(page.status).toBe(200);
    expect(suspendFormsOf(page.html)).toEqual([LUMBAR_ESI_MODEL_NAME]);
    expect(page.html).toContain(FLUORO_NEEDLE_MODEL_NAME);
    expect(page.html).toContain(AFTERCARE_MODEL_NAME);
    expect(page.html.match(/does not let you suspend this model/g)).toHaveLength(2);
  });

  it('still refuses a suspension of another model posted by hand, and leaves it deployed', async () => {
    const browser = new ConsoleBrowser(governance);
    await browser.signInAs('security-officer');
    const page = await browser.get('/console/security/models');
    const posted = await browser.post(
      `/console/security/models/${FLUORO_NEEDLE_MODEL_NAME}/versions/1.0.0/suspend`,
      { reason: 'hand-made form', _csrf: csrfTokenOf(page) },
    );
    expect(posted).toMatchObject({ status: 303, location: '/console/security/models' });
    const after = await browser.get('/console/security/models');
    expect(after.html).toContain('access.denied');
    expect(after.html).not.toContain('is suspended');
    const model = await call('GET', `${governance}/models/${FLUORO_NEEDLE_MODEL_NAME}`, {
      token: await platform.token('security-officer'),
    });
    expect(model.body).toMatchObject({ versions: [{ version: '1.0.0', status: 'deployed' }] });
  });
});
