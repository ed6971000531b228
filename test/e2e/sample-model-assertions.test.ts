// The sample model shows backend authors how to trust the gateway: it takes a call only with a fresh
// gateway assertion for this model and this body, once. Here it runs alone, as a hospital's model
// server would, against a stand-in for the gateway's key endpoint.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GATEWAY_ASSERTION_ISSUER, GATEWAY_ASSERTION_JWS_TYPE } from '@praesidium/access';
import { loadConfig } from '@praesidium/config';
import { exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { sha256Hex } from '@praesidium/digest';
import { generateKey, signJwt, toPublicJwk, type Jwk } from '@praesidium/keys';
import { createSampleModelApp } from '../../apps/sample-model/src/create-sample-model-app.js';
import {
  GatewayAssertionGuard,
  VERIFIER_CACHE_SIZE,
} from '../../apps/sample-model/src/gateway-assertion.guard.js';
import { freePort } from '../support/platform.js';

describe('the sample model verifying gateway assertions', () => {
  let dataDir: string;
  let gatewayKey: Jwk;
  let jwksServer: Server;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-sample-model-'));
    gatewayKey = await generateKey('sign', 'gateway-assertion-1');
    const jwks = JSON.stringify({ keys: [await toPublicJwk(gatewayKey)] });
    jwksServer = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(jwks);
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksPort = (jwksServer.address() as { port: number }).port;
    const port = await freePort();
    const config = loadConfig({
      NODE_ENV: 'test',
      PRAESIDIUM_LOG_LEVEL: 'error',
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(port),
      PRAESIDIUM_GATEWAY_JWKS_URL: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
    });
    app = await createSampleModelApp(config);
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const body = Buffer.from(JSON.stringify({ inputs: exampleEsiInputs() }));

  /** What the gateway sends: a 30-second ES256 assertion for one model, bound to the body, typed as one. */
  function assertion(
    model: string,
    claims: Record<string, unknown> = {},
    typ = GATEWAY_ASSERTION_JWS_TYPE,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      gatewayKey,
      {
        iss: GATEWAY_ASSERTION_ISSUER,
        aud: model,
        sub: 'a.rivera',
        iat: now,
        exp: now + 30,
        jti: randomUUID(),
        model_version: '1.0.0',
        purpose_of_use: 'TREAT',
        body_sha256: sha256Hex(body),
        ...claims,
      },
      typ,
    );
  }

  async function infer(model: string, token: string) {
    const response = await fetch(`${base}/v2/models/${model}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('answers a fresh assertion once, and refuses the same assertion replayed', async () => {
    const token = await assertion(LUMBAR_ESI_MODEL_NAME);
    const first = await infer(LUMBAR_ESI_MODEL_NAME, token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME });

    const replayed = await infer(LUMBAR_ESI_MODEL_NAME, token);
    expect(replayed).toEqual({
      status: 401,
      body: expect.objectContaining({ status: 401, code: 'assertion.replayed' }) as unknown,
    });
    // A new assertion for the same call is a new call.
    expect((await infer(LUMBAR_ESI_MODEL_NAME, await assertion(LUMBAR_ESI_MODEL_NAME))).status).toBe(200);
  });

  it('takes only a JWS typed as a gateway assertion, whatever the gateway key signed, and does not burn its jti', async () => {
    const jti = randomUUID();
    // Before this release the gateway typed its assertions `JWT`, like any JWT of any key.
    for (const typ of ['JWT', 'praesidium-checkpoint+jwt', 'at+jwt']) {
      const refused = await infer(
        LUMBAR_ESI_MODEL_NAME,
        await assertion(LUMBAR_ESI_MODEL_NAME, { jti }, typ),
      );
      expect(refused).toEqual({
        status: 401,
        body: expect.objectContaining({
          code: 'assertion.invalid',
          detail: `the JWS typ is not ${GATEWAY_ASSERTION_JWS_TYPE}`,
        }) as unknown,
      });
    }
    // RFC 7515: `typ` compares without case, with or without `application/`.
    const spelled = await assertion(
      LUMBAR_ESI_MODEL_NAME,
      { jti },
      `application/${GATEWAY_ASSERTION_JWS_TYPE.toUpperCase()}`,
    );
    expect((await infer(LUMBAR_ESI_MODEL_NAME, spelled)).status).toBe(200);
  });

  it('refuses an assertion without a jti: it could not be told from its replay', async () => {
    const response = await infer(
      LUMBAR_ESI_MODEL_NAME,
      await assertion(LUMBAR_ESI_MODEL_NAME, { jti: undefined }),
    );
    expect(response.body).toMatchObject({ status: 401, code: 'assertion.invalid' });
  });

  it('refuses an assertion for another model, and does not burn its jti doing so', async () => {
    const token = await assertion(LUMBAR_ESI_MODEL_NAME);
    expect((await infer('another-model', token)).body).toMatchObject({ code: 'assertion.invalid' });
    expect((await infer(LUMBAR_ESI_MODEL_NAME, token)).status).toBe(200);
  });

  it('keeps at most VERIFIER_CACHE_SIZE model names, however many names callers send', async () => {
    const guard = app.get(GatewayAssertionGuard);
    for (let index = 0; index < VERIFIER_CACHE_SIZE + 200; index++) {
      const response = await infer(`model-${index}`, 'not.a.token');
      expect(response.body).toMatchObject({ code: 'assertion.invalid' });
    }
    expect(guard.cachedVerifiers).toBeLessThanOrEqual(VERIFIER_CACHE_SIZE);
    // The model in use is still served.
    expect((await infer(LUMBAR_ESI_MODEL_NAME, await assertion(LUMBAR_ESI_MODEL_NAME))).status).toBe(200);
  });
});
