import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { generateKey, toPublicJwk } from '@praesidium/keys';
import { praesidium } from '../support/cli.js';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

describe('JWE to a backend that registered a key, on PostgreSQL', () => {
  let platform: TestPlatform;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'praesidium-backend-key-'));
    const modelKey = await generateKey('encrypt', 'sample-model-enc');
    await writeFile(path.join(dir, 'model-private.jwk.json'), JSON.stringify(modelKey), { mode: 0o600 });
    await writeFile(path.join(dir, 'model-public.jwk.json'), JSON.stringify(await toPublicJwk(modelKey)));
    platform = await startTestPlatform('postgres', {
      PRAESIDIUM_SAMPLE_MODEL_KEY_FILE: path.join(dir, 'model-private.jwk.json'),
    });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const infer = async () =>
    call('POST', `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
      token: await platform.token('pain-clinician'),
      body: {
        parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
        inputs: exampleEsiInputs(),
      },
    });

  it('forwards as JWE once the backend registered its key, which the model decrypts and checks', async () => {
    // The model takes JWE only: before its key is registered the gateway's JSON is refused.
    const before = await infer();
    expect(before.status).toBe(502);
    expect(before.body.code).toBe('backend.invalid_response');

    const backendUrl = `http://127.0.0.1:${platform.config.http.sampleModelPort}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    const registered = await praesidium(
      ['keys', 'register-backend', '--url', backendUrl, '--jwk', path.join(dir, 'model-public.jwk.json')],
      {
        NODE_ENV: 'test',
        PRAESIDIUM_DATA_DIR: platform.config.dataDir,
        DATABASE_URL: platform.config.database.url ?? '',
      },
    );
    expect(registered).toMatchObject({ code: 0 });
    expect(JSON.parse(registered.stdout)).toMatchObject({ kid: 'sample-model-enc' });

    // The gateway reuses a looked-up backend key for up to 2 s.
    let after = await infer();
    for (let attempt = 0; attempt < 50 && after.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await infer();
    }
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME });
  });
});
