import { randomUUID } from 'node:crypto';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/**
 * The gateway's Prometheus labels carry model names. A name taken from the URL as the caller typed it
 * let anyone, without a token, write labels of their choosing (a patient reference typed into the
 * path, or thousands of names that fill the metric's 2000-series limit, after which the decisions a
 * security officer watches for fall into an unlabelled overflow series).
 */
describe('gateway metrics labels', () => {
  let platform: TestPlatform;
  let gateway: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    gateway = platform.config.http.gatewayUrl;
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
  });

  const metrics = async () => (await fetch(`${gateway}/metrics`)).text();

  it('labels decisions with registry model names only, never a name a caller typed', async () => {
    const probe = `patient-${randomUUID()}`;
    for (const token of [undefined, await platform.token('pain-clinician')]) {
      const refused = await call('POST', `${gateway}/v2/models/${probe}/infer`, {
        ...(token ? { token } : {}),
        body: { parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' }, inputs: [] },
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
    }
    const chat = await call('POST', `${gateway}/v1/chat/completions`, {
      body: { model: `${probe}-chat`, messages: [] },
    });
    expect(chat.status).toBe(401);

    const served = await call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
      token: await platform.token('pain-clinician'),
      body: {
        parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
        inputs: exampleEsiInputs(),
      },
    });
    expect(served.status).toBe(200);
    // An anonymous caller naming the real model is still counted under its name once it is known.
    expect(
      (await call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, { body: {} })).status,
    ).toBe(401);

    const text = await metrics();
    expect(text).not.toContain(probe);
    expect(text).toContain(`outcome="success",reason="ok",model="${LUMBAR_ESI_MODEL_NAME}"`);
    expect(text).toContain(`outcome="refused",reason="token.missing",model="${LUMBAR_ESI_MODEL_NAME}"`);
    expect(text).toContain('outcome="refused",reason="token.missing",model="unknown"');
  });
});
