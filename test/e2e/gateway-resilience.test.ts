import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  AFTERCARE_MODEL_NAME,
  DEMO_PATIENTS,
  exampleEsiInputs,
  LUMBAR_ESI_MODEL_NAME,
} from '@praesidium/demo';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import { ModelEntity, ModelRegistry, ModelVersionEntity } from '@praesidium/model-registry';
import { call, type JsonResponse } from '../support/http.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';

type Mode = 'ok' | 'hang' | 'malformed';

/** A stand-in model backend whose behaviour the test sets, counting the calls that reach it. */
async function controllableBackend(): Promise<{
  server: Server;
  url: string;
  hits: () => number;
  set(mode: Mode): void;
}> {
  let mode: Mode = 'ok';
  let hits = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    hits += 1;
    request.resume();
    if (mode === 'hang') return; // never answers
    if (mode === 'malformed') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"outputs": [oops');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        model_name: LUMBAR_ESI_MODEL_NAME,
        outputs: [{ name: 'probability_meaningful_relief', shape: [1], datatype: 'FP32', data: [0.5] }],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
    hits: () => hits,
    set: (next) => (mode = next),
  };
}

/** A stand-in language-model backend whose event stream breaks in the way the test sets. */
async function brokenStreamBackend(): Promise<{
  server: Server;
  url: string;
  set(mode: 'malformed' | 'hang'): void;
}> {
  let mode: 'malformed' | 'hang' = 'malformed';
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = { object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Draft ' } }] };
    response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (mode === 'malformed') response.end('data: this is not json\n\ndata: [DONE]\n\n');
    // 'hang': nothing more, ever
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/openai/${AFTERCARE_MODEL_NAME}/v1/chat/completions`,
    set: (next) => (mode = next),
  };
}

const BREAKER_RESET_MS = 400;
const PRINCIPAL_LIMIT = 45;

describe('the gateway under failing backends and a failing database', () => {
  let platform: TestPlatform;
  let clinician: string;
  let inferUrl: string;
  let backend: Awaited<ReturnType<typeof controllableBackend>>;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres', {
      PRAESIDIUM_GATEWAY_MODEL_TIMEOUTS_MS: `${LUMBAR_ESI_MODEL_NAME}=300,${AFTERCARE_MODEL_NAME}=300`,
      PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: String(PRINCIPAL_LIMIT),
      PRAESIDIUM_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '3600',
      PRAESIDIUM_GATEWAY_BREAKER_FAILURES: '2',
      PRAESIDIUM_GATEWAY_BREAKER_RESET_MS: String(BREAKER_RESET_MS),
      // The test moves the backend between calls: the gateway must see each move at once.
      PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS: '0',
    });
    clinician = await platform.token('pain-clinician');
    inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    backend = await controllableBackend();
  });
  afterAll(async () => {
    backend?.server.closeAllConnections();
    backend?.server.close();
    await platform?.stop();
  });

  async function relocate(url: string, model: string = LUMBAR_ESI_MODEL_NAME): Promise<void> {
    const dataSource = await openDataSource(
      dataSourceOptions(
        { kind: 'server', url: platform.config.database.url as string },
        [ModelEntity, ModelVersionEntity],
        1,
      ),
    );
    try {
      const registry = new ModelRegistry(
        dataSource.getRepository(ModelEntity),
        dataSource.getRepository(ModelVersionEntity),
      );
      await registry.relocateBackend(model, '1.0.0', url);
    } finally {
      await dataSource.destroy();
    }
  }

  const infer = () =>
    call('POST', inferUrl, {
      token: clinician,
      body: {
        parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
        inputs: exampleEsiInputs(),
      },
    });

  function expectProblem(response: JsonResponse, status: number, code: string) {
    expect(response.body).toMatchObject({ status, code });
    expect(response.status).toBe(status);
  }

  it('times a hanging backend out, opens its circuit after two failures, and closes it after a good trial call', async () => {
    await relocate(backend.url);
    backend.set('hang');
    expectProblem(await infer(), 504, 'backend.timeout');
    expectProblem(await infer(), 504, 'backend.timeout');
    expect(backend.hits()).toBe(2);

    // Open: refused at once, nothing forwarded, no retry.
    expectProblem(await infer(), 503, 'backend.circuit_open');
    expect(backend.hits()).toBe(2);
    const ready = await call(
      'GET',
      `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/ready`,
      {
        token: clinician,
      },
    );
    expect(ready.body).toMatchObject({ ready: false });

    // After the reset time one trial call goes through; its success closes the circuit.
    backend.set('ok');
    await sleep(BREAKER_RESET_MS + 100);
    expect((await infer()).status).toBe(200);
    expect((await infer()).status).toBe(200);
    expect(backend.hits()).toBe(4);
  });

  it('answers 502 for a backend that is down and for one that answers malformed output', async () => {
    await relocate(`http://127.0.0.1:${await freePort()}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`);
    expectProblem(await infer(), 502, 'backend.unavailable');

    await relocate(backend.url);
    backend.set('malformed');
    expectProblem(await infer(), 502, 'backend.invalid_response');
    backend.set('ok');
    expect((await infer()).status).toBe(200);
  });

  it('refuses with 503 and forwards nothing while the database is away, then recovers by itself', async () => {
    const admin = process.env.PRAESIDIUM_TEST_ADMIN_URL as string;
    const name = new URL(platform.config.database.url as string).pathname.slice(1);
    const adminQuery = async (sql: string) => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    const before = backend.hits();
    // The database stops serving: no new connections, every open one terminated. The server stays up.
    await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    try {
      await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
      const refused = await infer();
      expect(refused.status).toBe(503);
      expect(['database.unavailable', 'audit.unavailable']).toContain(refused.body.code);
      expect(backend.hits()).toBe(before);
      expect((await call('GET', `${platform.config.http.gatewayUrl}/v2/health/ready`)).status).toBe(503);
    } finally {
      await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
    }
    let recovered: JsonResponse | undefined;
    for (let attempt = 0; attempt < 20 && recovered?.status !== 200; attempt += 1) {
      if (attempt > 0) await sleep(250);
      recovered = await infer();
    }
    expect(recovered?.status).toBe(200);
    expect(backend.hits()).toBe(before + 1);
  });

  it('cuts a stream whose backend sends garbage or stalls with an error event and no [DONE], and audits the failure', async () => {
    const broken = await brokenStreamBackend();
    try {
      await relocate(broken.url, AFTERCARE_MODEL_NAME);
      const stream = async () => {
        const response = await fetch(`${platform.config.http.gatewayUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: AFTERCARE_MODEL_NAME,
            stream: true,
            messages: [{ role: 'user', content: 'Draft aftercare.' }],
            metadata: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
          }),
        });
        expect(response.status).toBe(200);
        return { text: await response.text(), correlationId: response.headers.get('x-correlation-id') };
      };
      for (const [mode, code] of [
        ['malformed', 'backend.invalid_response'],
        ['hang', 'backend.timeout'],
      ] as const) {
        broken.set(mode);
        const { text, correlationId } = await stream();
        expect(text).toContain('Draft ');
        expect(text).toContain(`event: error\ndata: {"error":{"code":"${code}"`);
        expect(text).not.toContain('[DONE]');
        const officer = await platform.token('security-officer');
        const audit = await call('GET', `${platform.config.http.governanceUrl}/audit/events?limit=1000`, {
          token: officer,
        });
        const records = (audit.body.records as { event: Record<string, unknown> }[])
          .map((record) => record.event)
          .filter((event) => event.correlationId === correlationId);
        expect(
          records
            .map((event) => `${String(event.action)}:${String(event.outcome)}:${String(event.reasonCode)}`)
            .sort(),
        ).toEqual(['inference.request:success:undefined', `inference.response:failure:${code}`]);
      }
    } finally {
      broken.server.closeAllConnections();
      broken.server.close();
    }
  });

  it('refuses a principal over its rate limit with 429, audited, before anything is forwarded', async () => {
    const cardiologist = await platform.token('cardiology-clinician');
    const codes: string[] = [];
    let lastCorrelationId: unknown;
    for (let i = 0; i < 2 * PRINCIPAL_LIMIT + 1 && !codes.includes('rate_limit.exceeded'); i += 1) {
      const response = await call('POST', inferUrl, {
        token: cardiologist,
        body: {
          parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
          inputs: exampleEsiInputs(),
        },
      });
      codes.push(String(response.body.code));
      lastCorrelationId = response.body.correlationId;
    }
    // Refused by policy until the limit, then by the limit (the window may turn once during the loop).
    expect(codes.indexOf('rate_limit.exceeded')).toBeGreaterThanOrEqual(PRINCIPAL_LIMIT);
    expect(new Set(codes)).toEqual(new Set(['access.denied', 'rate_limit.exceeded']));
    const officer = await platform.token('security-officer');
    const audit = await call(
      'GET',
      `${platform.config.http.governanceUrl}/audit/events?reason_code=rate_limit.exceeded&limit=100`,
      { token: officer },
    );
    expect(
      (audit.body.records as { event: Record<string, unknown> }[]).map((record) => record.event),
    ).toContainEqual(
      expect.objectContaining({
        correlationId: lastCorrelationId,
        action: 'inference.request',
        outcome: 'refused',
      }),
    );
  });
});
