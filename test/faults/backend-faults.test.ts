import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { inferOnce, within, type Outcome } from '../support/load.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/**
 * What test/e2e/gateway-resilience.test.ts does not: connections reset before and during the answer,
 * an answer larger than the gateway reads (16 MiB), the circuit opening on resets and closing again,
 * and a backend holding every call it gets while other models are served as usual.
 */
type Mode = 'ok' | 'reset' | 'reset-mid-body' | 'huge' | 'hold';

const OK_BODY = JSON.stringify({
  model_name: LUMBAR_ESI_MODEL_NAME,
  outputs: [{ name: 'probability_meaningful_relief', shape: [1], datatype: 'FP32', data: [0.5] }],
});

async function faultyBackend() {
  let mode: Mode = 'ok';
  let hits = 0;
  const held: ServerResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    hits += 1;
    request.resume();
    switch (mode) {
      case 'reset':
        request.socket.destroy();
        return;
      case 'reset-mid-body':
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
        response.write(OK_BODY.slice(0, 40), () => request.socket.destroy());
        return;
      case 'huge': {
        // 20 MiB of a syntactically fine JSON document, streamed: more than the gateway will read.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"model_name":"x","outputs":[{"name":"p","shape":[1],"datatype":"BYTES","data":["');
        const chunk = 'a'.repeat(1024 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 20) {
            sent += 1;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
          response.end('"]}]}');
        };
        response.on('error', () => undefined);
        pump();
        return;
      }
      case 'hold':
        held.push(response);
        return;
      default:
        response.writeHead(200, { 'content-type': 'application/json' }).end(OK_BODY);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
    hits: () => hits,
    held: () => held.length,
    set: (next: Mode) => (mode = next),
    /** Answers every held call. */
    release() {
      for (const response of held.splice(0)) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(OK_BODY);
      }
    },
  };
}

const BREAKER_RESET_MS = 500;

describe('model backends that reset connections, answer too much, or hold every call', () => {
  let platform: TestPlatform;
  let clinician: string;
  let backend: Awaited<ReturnType<typeof faultyBackend>>;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres', {
      // Long enough that held calls are still waiting when the test lets them go.
      PRAESIDIUM_GATEWAY_MODEL_TIMEOUTS_MS: `${LUMBAR_ESI_MODEL_NAME}=60000`,
      PRAESIDIUM_GATEWAY_BREAKER_FAILURES: '3',
      PRAESIDIUM_GATEWAY_BREAKER_RESET_MS: String(BREAKER_RESET_MS),
      PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS: '0',
      PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: '0',
    });
    clinician = await platform.token('pain-clinician');
    backend = await faultyBackend();
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
      await registry.relocateBackend(LUMBAR_ESI_MODEL_NAME, '1.0.0', backend.url);
    } finally {
      await dataSource.destroy();
    }
  }, 180_000);
  afterAll(async () => {
    backend?.release();
    backend?.server.closeAllConnections();
    backend?.server.close();
    await platform?.stop();
  });

  const infer = () => inferOnce(platform.config.http.gatewayUrl, clinician, DEMO_PATIENTS.consented);
  const chat = (): Promise<JsonResponse> =>
    call('POST', `${platform.config.http.gatewayUrl}/v1/chat/completions`, {
      token: clinician,
      body: {
        model: AFTERCARE_MODEL_NAME,
        messages: [{ role: 'user', content: 'Draft aftercare for an L4-L5 ESI' }],
        metadata: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
      },
    });

  /** Each answer's records: the request committed before forwarding, the failure after it. */
  async function recordsOf(correlationId: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: platform.config.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ action: string; outcome: string; reason_code: string | null }>(
        `SELECT action, outcome, reason_code FROM audit.event WHERE event_jcs::jsonb->>'correlationId' = $1 ORDER BY action`,
        [correlationId],
      );
      return rows.map((row) => `${row.action}:${row.outcome}:${row.reason_code ?? ''}`);
    } finally {
      await client.end();
    }
  }

  it('answers a reset connection, a body cut mid-way and a 20 MiB answer with a clear 502 and an audited failure', async () => {
    for (const [mode, code] of [
      ['reset', 'backend.unavailable'],
      ['reset-mid-body', 'backend.unavailable'],
      ['huge', 'backend.invalid_response'],
    ] as const) {
      backend.set(mode);
      const response = await call(
        'POST',
        `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
        {
          token: clinician,
          body: {
            parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
            inputs: exampleEsiInputs(),
          },
        },
      );
      expect({ mode, status: response.status, code: response.body.code }).toEqual({
        mode,
        status: 502,
        code,
      });
      expect(response.contentType).toContain('application/problem+json');
      expect(JSON.stringify(response.body)).not.toMatch(/ECONNRESET|socket|stack|aaaa/i);
      expect(await recordsOf(String(response.body.correlationId))).toEqual([
        'inference.request:success:',
        `inference.response:failure:${code}`,
      ]);
      // A success between faults keeps the circuit closed: this case is about the error itself.
      backend.set('ok');
      expect((await infer()).status).toBe(200);
    }
  });

  it('opens the circuit after consecutive resets, forwards nothing while open, and closes it after a good trial call', async () => {
    backend.set('reset');
    for (let failure = 0; failure < 3; failure += 1) {
      expect(await infer()).toMatchObject({ status: 502, code: 'backend.unavailable' });
    }
    const hits = backend.hits();
    expect(await infer()).toMatchObject({ status: 503, code: 'backend.circuit_open' });
    expect(backend.hits()).toBe(hits);

    backend.set('ok');
    // Half-open after the reset time: the first call through is the trial, and its success closes it.
    let last: Outcome | undefined;
    const closedAfterMs = await within(BREAKER_RESET_MS * 20, async () => {
      last = await infer();
      if (last.status !== 200) expect(last).toMatchObject({ status: 503, code: 'backend.circuit_open' });
      return last.status === 200;
    });
    expect(closedAfterMs).toBeLessThan(Infinity);
    expect(backend.hits()).toBe(hits + 1);
    for (let call_ = 0; call_ < 3; call_ += 1) expect((await infer()).status).toBe(200);
  });

  it('keeps serving another model while one backend holds every call it gets', async () => {
    const baseline: number[] = [];
    for (let call_ = 0; call_ < 5; call_ += 1) {
      const started = Date.now();
      expect((await chat()).status).toBe(200);
      baseline.push(Date.now() - started);
    }

    backend.set('hold');
    const holding = Array.from({ length: 10 }, () => infer());
    let settled = 0;
    for (const pending of holding) void pending.then(() => (settled += 1));
    expect(await within(30_000, async () => backend.held() === 10)).toBeLessThan(Infinity);

    // While ten calls wait on the held backend, the other model answers every call, and none of the
    // held calls has been answered meanwhile: nothing queues behind the stuck backend.
    const during: number[] = [];
    for (let call_ = 0; call_ < 10; call_ += 1) {
      const started = Date.now();
      expect((await chat()).status).toBe(200);
      during.push(Date.now() - started);
    }
    expect(settled).toBe(0);
    expect(backend.held()).toBe(10);

    backend.release();
    backend.set('ok');
    for (const outcome of await Promise.all(holding)) expect(outcome.status).toBe(200);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(
      JSON.stringify({
        test: 'backend-faults isolation',
        otherModelMedianMs: { before: median(baseline), whileHeld: median(during) },
      }),
    );
  });
});
