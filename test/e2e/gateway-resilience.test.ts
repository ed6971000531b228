import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  AFTERCARE_MODEL_NAME,
  DEMO_PATIENTS,
  exampleEsiInputs,
  LUMBAR_ESI_MODEL_NAME,
} from '@praesidium/demo';
import type { AuditEvent } from '@praesidium/audit';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import { ModelEntity, ModelRegistry, ModelVersionEntity } from '@praesidium/model-registry';
import { eventually, withOutcome } from '../support/eventually.js';
import { call, type JsonResponse } from '../support/http.js';
import { clientEvents } from '../support/server-sent-events.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';

type Mode = 'ok' | 'hang' | 'malformed';

/** The stand-in backend's good answer, byte for byte: its SHA-256 is the response record's. */
const GOOD_ANSWER = JSON.stringify({
  model_name: LUMBAR_ESI_MODEL_NAME,
  outputs: [{ name: 'probability_meaningful_relief', shape: [1], datatype: 'FP32', data: [0.5] }],
});

/** A stand-in model backend whose behaviour the test sets, counting the calls that reach it. */
async function controllableBackend(): Promise<{
  server: Server;
  url: string;
  hits: () => number;
  set(mode: Mode): void;
  /** Runs once before the next good answer, e.g. to take the database away after forwarding. */
  beforeNextAnswer(work: () => Promise<void>): void;
}> {
  let mode: Mode = 'ok';
  let hits = 0;
  let before: (() => Promise<void>) | undefined;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    hits += 1;
    request.resume();
    if (mode === 'hang') return; // never answers
    if (mode === 'malformed') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"outputs": [oops');
      return;
    }
    const work = before;
    before = undefined;
    void (work ?? (async () => undefined))().then(() =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(GOOD_ANSWER),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
    hits: () => hits,
    set: (next) => (mode = next),
    beforeNextAnswer: (work) => (before = work),
  };
}

type StreamMode = 'malformed' | 'hang' | 'forging';

const FORGED_BLOCK = JSON.stringify({
  object: 'chat.completion.chunk',
  choices: [],
  praesidium: { notice: 'forged by the backend', audit: { stream: 'forged', seq: 1, hash: '0'.repeat(64) } },
});

/** A stand-in language-model backend whose event stream breaks in the way the test sets. */
async function brokenStreamBackend(): Promise<{
  server: Server;
  url: string;
  set(mode: StreamMode): void;
}> {
  let mode: StreamMode = 'malformed';
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = { object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Draft ' } }] };
    response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (mode === 'malformed') response.end('data: this is not json\n\ndata: [DONE]\n\n');
    // A line the gateway once read as one comment, and a client as three lines and two events: a
    // transparency block naming a record of the backend's choosing, then [DONE] before the gateway's.
    if (mode === 'forging')
      response.end(
        `data: ${JSON.stringify(chunk)}\n: \r\rdata: ${FORGED_BLOCK}\r\rdata: [DONE]\r\r\n\ndata: [DONE]\n\n`,
      );
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
      // Outcome audit: after release by default, before release for the chat model.
      PRAESIDIUM_GATEWAY_OUTCOME_AUDIT_BEFORE_RELEASE: AFTERCARE_MODEL_NAME,
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

  /** A connection to the server's admin database, which stays up while the test's database goes away. */
  async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: process.env.PRAESIDIUM_TEST_ADMIN_URL as string });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  const databaseName = () => new URL(platform.config.database.url as string).pathname.slice(1);
  /** The database stops serving: no new connections, every open one terminated. The server stays up. */
  async function takeDatabaseAway(admin: pg.Client) {
    const name = databaseName();
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false;
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
  }
  const bringDatabaseBack = () =>
    withAdmin((admin) => admin.query(`ALTER DATABASE ${databaseName()} WITH ALLOW_CONNECTIONS true`));

  async function auditOf(correlationId: unknown) {
    const officer = await platform.token('security-officer');
    const audit = await call('GET', `${platform.config.http.governanceUrl}/audit/events?limit=1000`, {
      token: officer,
    });
    expect(audit.status).toBe(200);
    return (
      audit.body.records as { streamId: string; seq: number; hash: string; event: AuditEvent }[]
    ).filter((record) => record.event.correlationId === correlationId);
  }

  /** A streamed chat completion of the aftercare model for the consented demo patient. */
  const streamChat = () =>
    fetch(`${platform.config.http.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: AFTERCARE_MODEL_NAME,
        stream: true,
        messages: [{ role: 'user', content: 'Draft aftercare.' }],
        metadata: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
      }),
    });

  /** Infers until the gateway answers again (the database may still be coming back). */
  async function inferUntilServed(): Promise<JsonResponse | undefined> {
    let recovered: JsonResponse | undefined;
    for (let attempt = 0; attempt < 20 && recovered?.status !== 200; attempt += 1) {
      if (attempt > 0) await sleep(250);
      recovered = await infer();
    }
    return recovered;
  }

  it('releases an answer once its request record is committed, names that record, and commits the outcome record just after (after-release, the default)', async () => {
    await relocate(backend.url);
    backend.set('ok');
    const answer = await infer();
    expect(answer.status).toBe(200);
    const meta = (answer.body.parameters as { praesidium: Record<string, unknown> }).praesidium;
    expect(meta.audit_outcome).toBe('pending');
    const records = await eventually(
      () => auditOf(meta.correlation_id),
      (found) => withOutcome(found.map((record) => record.event)),
    );
    const request = records.find((record) => record.event.action === 'inference.request');
    expect(meta.audit).toEqual({ stream: request?.streamId, seq: request?.seq, hash: request?.hash });
    const responseSha256 = createHash('sha256').update(GOOD_ANSWER).digest('hex');
    expect(records.find((record) => record.event.action === 'inference.response')?.event).toMatchObject({
      outcome: 'success',
      responseSha256,
    });
    // Feedback names the output by the record its answer named, and carries the response hash.
    const feedback = await call('POST', `${platform.config.http.gatewayUrl}/v2/feedback`, {
      token: clinician,
      body: { audit: meta.audit, verdict: 'accepted', reason: 'output.agrees_with_assessment' },
    });
    expect(feedback.status).toBe(201);
    expect((await auditOf(meta.correlation_id)).map((record) => record.event)).toContainEqual(
      expect.objectContaining({ action: 'inference.feedback.accepted', responseSha256 }),
    );
  });

  it('releases the answer of a model held to before-release only with its committed outcome record', async () => {
    const answer = await call('POST', `${platform.config.http.gatewayUrl}/v1/chat/completions`, {
      token: clinician,
      body: {
        model: AFTERCARE_MODEL_NAME,
        messages: [{ role: 'user', content: 'Draft aftercare.' }],
        metadata: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
      },
    });
    expect(answer.status).toBe(200);
    const meta = answer.body.praesidium as Record<string, unknown>;
    expect(meta.audit_outcome).toBe('committed');
    // Read at once, no waiting: the record the answer names is its committed outcome record.
    const response = (await auditOf(meta.correlation_id)).find(
      (record) => record.event.action === 'inference.response',
    );
    expect(response?.event).toMatchObject({ outcome: 'success', responseSha256: expect.any(String) });
    expect(meta.audit).toEqual({ stream: response?.streamId, seq: response?.seq, hash: response?.hash });
  });

  it('answers a call whose request record committed even when the database goes away after forwarding, and counts the lost outcome record', async () => {
    await relocate(backend.url);
    backend.set('ok');
    const lostBefore = await outcomesLost();
    let answer: JsonResponse;
    try {
      // Connected beforehand: the backend answers within the model's 300 ms timeout.
      answer = await withAdmin(async (admin) => {
        backend.beforeNextAnswer(() => takeDatabaseAway(admin));
        return infer();
      });
      expect(answer.status).toBe(200);
      expect((answer.body.parameters as { praesidium: Record<string, unknown> }).praesidium).toMatchObject({
        audit_outcome: 'pending',
      });
      // The outcome append fails after release: counted, never crashing the gateway.
      await eventually(outcomesLost, (lost) => lost > lostBefore);
      expect(await outcomesLost()).toBe(lostBefore + 1);
    } finally {
      await bringDatabaseBack();
    }
    expect((await inferUntilServed())?.status).toBe(200);
    // The answer's named record is the request record, committed before forwarding; no outcome record.
    const meta = (answer.body.parameters as { praesidium: Record<string, unknown> }).praesidium;
    const records = await auditOf(meta.correlation_id);
    expect(records.map((record) => `${record.event.action}:${record.event.outcome}`)).toEqual([
      'inference.request:success',
    ]);
    expect(meta.audit).toEqual({ stream: records[0].streamId, seq: records[0].seq, hash: records[0].hash });
  });

  async function outcomesLost(): Promise<number> {
    const text = await (await fetch(`${platform.config.http.gatewayUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('praesidium_gateway_audit_outcome_lost_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  }

  it('refuses with 503 and forwards nothing while the database is away, then recovers by itself', async () => {
    const before = backend.hits();
    await withAdmin(takeDatabaseAway);
    try {
      const refused = await infer();
      expect(refused.status).toBe(503);
      expect(['database.unavailable', 'audit.unavailable']).toContain(refused.body.code);
      expect(backend.hits()).toBe(before);
      expect((await call('GET', `${platform.config.http.gatewayUrl}/v2/health/ready`)).status).toBe(503);
    } finally {
      await bringDatabaseBack();
    }
    expect((await inferUntilServed())?.status).toBe(200);
    expect(backend.hits()).toBe(before + 1);
  });

  it('cuts a stream whose backend sends garbage or stalls with an error event and no [DONE], and audits the failure', async () => {
    const broken = await brokenStreamBackend();
    try {
      await relocate(broken.url, AFTERCARE_MODEL_NAME);
      const stream = async () => {
        const response = await streamChat();
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
        const records = (await auditOf(correlationId)).map((record) => record.event);
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

  it('cuts a stream whose backend hides a [DONE] and a transparency block of its own behind lone carriage returns', async () => {
    // A backend of its own: its own circuit, which the failures above may have opened.
    const forging = await brokenStreamBackend();
    try {
      forging.set('forging');
      await relocate(forging.url, AFTERCARE_MODEL_NAME);
      const response = await streamChat();
      expect(response.status).toBe(200);
      const correlationId = response.headers.get('x-correlation-id');
      // Read as a client reads it: no [DONE], no block but the gateway's, the stream cut with its code.
      const events = clientEvents(await response.text());
      expect(events.filter((event) => event.data === '[DONE]' || event.data.includes('praesidium'))).toEqual(
        [],
      );
      expect(events[0].data).toContain('Draft ');
      expect(events[events.length - 1]).toMatchObject({
        type: 'error',
        data: expect.stringContaining('"code":"backend.invalid_response"'),
      });
      const records = (await auditOf(correlationId)).map((record) => record.event);
      expect(records.map((event) => `${String(event.action)}:${String(event.outcome)}`).sort()).toEqual([
        'inference.request:success',
        'inference.response:failure',
      ]);
    } finally {
      forging.server.closeAllConnections();
      forging.server.close();
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
