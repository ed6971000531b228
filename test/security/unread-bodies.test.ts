// An unauthenticated caller cannot make the gateway or governance read a request body. Each case
// goes over a raw socket: the request line and headers announce a body of several MiB (within the
// route's limit), and only a few bytes of it are ever sent. The refusal must come at once, in the one
// problem+json shape with the token's reason code, and the server must then close the connection
// instead of waiting for (or draining) the rest. An authenticated caller's body is still read.
import { connect } from 'node:net';
import { FLUORO_NEEDLE_MODEL_NAME } from '@praesidium/demo';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/** The gateway's body limit in this platform: every gateway route may take this much. */
const GATEWAY_LIMIT = 8 * 1024 * 1024;
/** Governance's JSON body limit (create-governance-app.ts). */
const GOVERNANCE_LIMIT = 16 * 1024 * 1024;
/** What is sent of the announced body: the start of a JSON object, nothing more. */
const SENT = '{"parameters":';
/** Far below the request timeout (left at its 120 s default): an answer by now did not wait for a body. */
const PROMPT_MS = 5000;

interface Announced {
  /** The status line's code, if anything was answered. */
  readonly status?: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  /** Whether the server ended the connection itself, once it had answered. */
  readonly closedByServer: boolean;
}

/** Announces a body of `declared` bytes, sends `SENT` of it, and waits at most `waitMs` for an answer. */
function announce(
  origin: string,
  path: string,
  declared: number,
  options: {
    method?: string;
    fields?: readonly [string, string][];
    contentType?: string;
    waitMs?: number;
  } = {},
): Promise<Announced> {
  const { hostname, port } = new URL(origin);
  const fields: [string, string][] = [
    ['host', `${hostname}:${port}`],
    ['content-type', options.contentType ?? 'application/json'],
    ['content-length', String(declared)],
    ...(options.fields ?? []),
  ];
  const head = `${options.method ?? 'POST'} ${path} HTTP/1.1\r\n${fields.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return new Promise((resolve) => {
    let received = '';
    let closedByServer = false;
    const socket = connect(Number(port), hostname, () => socket.write(head + SENT));
    const giveUp = setTimeout(() => socket.destroy(), options.waitMs ?? PROMPT_MS);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    socket.on('end', () => {
      closedByServer = true;
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ ...parseAnswer(received), closedByServer });
    });
  });
}

function parseAnswer(text: string): Omit<Announced, 'closedByServer'> {
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1];
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const body = rest.join('\r\n\r\n');
  return {
    ...(status ? { status: Number(status) } : {}),
    headers,
    body: body.startsWith('{') ? (JSON.parse(body) as Record<string, unknown>) : {},
  };
}

function expectRefusedUnread(answer: Announced, status: number, code: string): string {
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ status, code, type: `urn:praesidium:problem:${code}` });
  // Closed, not kept alive: the rest of the body is neither waited for nor drained.
  expect(answer.closedByServer).toBe(true);
  expect(answer.headers.connection).toBe('close');
  expect(typeof answer.body.correlationId).toBe('string');
  return answer.body.correlationId as string;
}

describe('request bodies of unauthenticated callers are never read', () => {
  let platform: TestPlatform;
  let gateway: string;
  let governance: string;
  let officer: string;
  let clinician: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres', {
      PRAESIDIUM_GATEWAY_BODY_LIMIT_BYTES: String(GATEWAY_LIMIT),
    });
    gateway = platform.config.http.gatewayUrl;
    governance = platform.config.http.governanceUrl;
    officer = await platform.token('security-officer');
    clinician = await platform.token('pain-clinician');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function auditEventsOf(correlationId: string): Promise<Record<string, unknown>[]> {
    const response = await call('GET', `${governance}/audit/events?limit=1000`, { token: officer });
    expect(response.status).toBe(200);
    return (response.body.records as { event: Record<string, unknown> }[])
      .map((record) => record.event)
      .filter((event) => event.correlationId === correlationId);
  }

  const inferPath = `/v2/models/${FLUORO_NEEDLE_MODEL_NAME}/infer`;
  const gatewayRoutes = [
    ['OIP infer', inferPath],
    ['OIP infer of a pinned version', `/v2/models/${FLUORO_NEEDLE_MODEL_NAME}/versions/1.0.0/infer`],
    ['OpenAI chat completions', '/v1/chat/completions'],
    ['clinician feedback', '/v2/feedback'],
  ] as const;

  it.each(gatewayRoutes)(
    'gateway %s: refused from the headers with token.missing, before the body',
    async (_name, path) => {
      expectRefusedUnread(await announce(gateway, path, GATEWAY_LIMIT - 1024), 401, 'token.missing');
    },
  );

  it('refuses an inference call with a bad token, two tokens, or an encrypted (JWE) body, each before its body', async () => {
    expectRefusedUnread(
      await announce(gateway, inferPath, GATEWAY_LIMIT - 1024, {
        fields: [['authorization', 'Bearer not-a-token']],
      }),
      401,
      'token.malformed',
    );
    expectRefusedUnread(
      await announce(gateway, inferPath, GATEWAY_LIMIT - 1024, {
        fields: [
          ['authorization', `Bearer ${clinician}`],
          ['authorization', `Bearer ${clinician}`],
        ],
      }),
      401,
      'token.missing',
    );
    // A JWE is neither read nor decrypted for a caller without a token.
    expectRefusedUnread(
      await announce(gateway, inferPath, GATEWAY_LIMIT, { contentType: 'application/jose' }),
      401,
      'token.missing',
    );
  });

  it('audits an inference refusal as the pipeline does, without a body hash, and counts it', async () => {
    const correlationId = expectRefusedUnread(
      await announce(gateway, inferPath, GATEWAY_LIMIT - 1024),
      401,
      'token.missing',
    );
    const events = await auditEventsOf(correlationId);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'inference.request',
        outcome: 'refused',
        reasonCode: 'token.missing',
        agent: expect.objectContaining({ subject: 'unauthenticated' }),
        entity: expect.objectContaining({ model: FLUORO_NEEDLE_MODEL_NAME }),
      }),
    ]);
    // No body was read, so none was hashed.
    expect(events[0].requestSha256).toBeUndefined();
    const metrics = await (await fetch(`${gateway}/metrics`)).text();
    expect(metrics).toMatch(/praesidium_gateway_decisions_total\{outcome="refused",reason="token\.missing",/);
  });

  it('audits a feedback refusal as an edge refusal, as before', async () => {
    const correlationId = expectRefusedUnread(
      await announce(gateway, '/v2/feedback', GATEWAY_LIMIT - 1024),
      401,
      'token.missing',
    );
    let events: Record<string, unknown>[] = [];
    for (let attempt = 0; attempt < 50 && events.length === 0; attempt += 1) {
      events = await auditEventsOf(correlationId);
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(events).toEqual([
      expect.objectContaining({ action: 'gateway.request', outcome: 'refused', reasonCode: 'token.missing' }),
    ]);
  });

  it('refuses an authenticated body over the limit from its length, and closes the connection', async () => {
    // The caller may send bodies, but not this one: nothing of it is read, waited for or drained.
    expectRefusedUnread(
      await announce(gateway, inferPath, 4 * GATEWAY_LIMIT, {
        fields: [['authorization', `Bearer ${clinician}`]],
      }),
      413,
      'request.too_large',
    );
  });

  it("still reads an authenticated caller's body: no answer before it has arrived", async () => {
    const answer = await announce(gateway, inferPath, GATEWAY_LIMIT - 1024, {
      fields: [['authorization', `Bearer ${clinician}`]],
      waitMs: 1500,
    });
    expect(answer.status).toBeUndefined();
    expect(answer.closedByServer).toBe(false);
  });

  it('answers a body sent to no route with 404 from the headers, at the gateway and at governance', async () => {
    expectRefusedUnread(
      await announce(gateway, '/v2/no-such-route', GATEWAY_LIMIT - 1024),
      404,
      'request.not_found',
    );
    expectRefusedUnread(
      await announce(governance, '/no-such-route', GOVERNANCE_LIMIT),
      404,
      'request.not_found',
    );
  });

  it('refuses a form posted to the console without a session from the headers, before its body', async () => {
    const answer = await announce(governance, '/console/clinician/consents', GOVERNANCE_LIMIT, {
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(answer.status).toBe(401);
    expect(answer.closedByServer).toBe(true);
    expect(answer.headers.connection).toBe('close');
  });

  it('refuses every governance API route that takes a body from the headers, with a token error', async () => {
    const document = (await (await fetch(`${governance}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(document.paths).flatMap(([route, operations]) =>
      Object.keys(operations)
        .filter((method) => ['post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${route.replace(/\{[^}]+\}/g, 'x')}`),
    );
    // A floor, so an empty list cannot pass for a proof.
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      const [method, path] = route.split(' ');
      const answer = await announce(governance, path, GOVERNANCE_LIMIT, { method });
      expect({ route, status: answer.status, code: answer.body.code }).toEqual({
        route,
        status: 401,
        code: 'token.missing',
      });
      expectRefusedUnread(answer, 401, 'token.missing');
    }
    // A token that fails verification is refused as early, with its own code.
    expectRefusedUnread(
      await announce(governance, '/consents', GOVERNANCE_LIMIT, {
        fields: [['authorization', 'Bearer not-a-token']],
      }),
      401,
      'token.malformed',
    );
    // An authenticated caller's body is read: the server waits for it.
    const waiting = await announce(governance, '/consents', GOVERNANCE_LIMIT, {
      fields: [['authorization', `Bearer ${clinician}`]],
      waitMs: 1500,
    });
    expect(waiting.status).toBeUndefined();
  });
});
