import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AFTERCARE_MODEL_NAME, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { startTelemetry, stopTelemetry } from '@praesidium/telemetry';
import { call } from '../support/http.js';
import { purposeConsent } from '../support/consents.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { dumpAllTables } from './attack-support.js';

/** Seeded sentinels: patient identifiers, and payload strings a model sees. */
const PATIENT_IDS = ['leak-sentinel-7c41d9e2', 'leak-sentinel-deny-5a0b3f61', 'leak-sentinel-none-93e7c2d4'];
const PAYLOAD = 'LEAKPAYLOAD-c7e1a94f0b';
const DOCUMENT = 'LEAKDOCUMENT-2f9e6b1d48';

/**
 * How a sentinel could show up: in clear, base64 (standard and URL-safe, at each of the three
 * alignments a substring can have inside a longer encoded text) and hex (either case).
 */
function encodings(sentinel: string): string[] {
  const found = [
    sentinel,
    Buffer.from(sentinel).toString('hex'),
    Buffer.from(sentinel).toString('hex').toUpperCase(),
  ];
  for (const offset of [0, 1, 2]) {
    for (const alphabet of ['base64', 'base64url'] as const) {
      const encoded = Buffer.from(`${'\u0000'.repeat(offset)}${sentinel}`).toString(alphabet);
      // Drop the characters that also depend on the bytes before and after the sentinel.
      found.push(encoded.slice(offset === 0 ? 0 : Math.ceil((offset * 4) / 3) + 1, -4));
    }
  }
  return found;
}

function leaksIn(text: string): string[] {
  return [...PATIENT_IDS, PAYLOAD, DOCUMENT].flatMap((sentinel) =>
    encodings(sentinel)
      .filter((encoded) => text.includes(encoded))
      .map((encoded) => `${sentinel} as ${encoded}`),
  );
}

describe('leak check: seeded patient identifiers and payloads stay out of logs, traces and tables', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const logs: string[] = [];
  const writes = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
  };
  let platform: TestPlatform;
  const answers: Record<string, number> = {};

  beforeAll(async () => {
    // Everything the processes write, at the most verbose level, is kept for the scan.
    const capture = (chunk: unknown) => {
      logs.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return true;
    };
    process.stdout.write = capture;
    process.stderr.write = capture;
    startTelemetry({ serviceName: 'leak-check', spanProcessors: [processor] });
    platform = await startTestPlatform('postgres', { PRAESIDIUM_LOG_LEVEL: 'debug' });
    const governance = platform.config.http.governanceUrl;
    const gateway = platform.config.http.gatewayUrl;
    const clinician = await platform.token('pain-clinician');
    const cardiologist = await platform.token('cardiology-clinician');
    const [permitted, denied, unknown] = PATIENT_IDS.map((id) => `Patient/${id}`);
    const attachment = {
      contentType: 'text/plain',
      data: Buffer.from(DOCUMENT).toString('base64'),
      title: 'signed form',
    };

    const record = async (patient: string, type: 'permit' | 'deny', extra = {}) =>
      (
        await call('POST', `${governance}/consents?verification=in-person`, {
          token: clinician,
          body: purposeConsent(patient, { type }, extra),
        })
      ).status;
    answers.consentPermit = await record(permitted, 'permit', { sourceAttachment: attachment });
    answers.consentDeny = await record(denied, 'deny');
    const infer = async (token: string, patient: string) =>
      (
        await call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
          token,
          body: { id: PAYLOAD, parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() },
        })
      ).status;
    answers.inferAllowed = await infer(clinician, permitted);
    answers.inferConsentDenied = await infer(clinician, denied);
    answers.inferNoConsent = await infer(clinician, unknown);
    answers.inferOtherDepartment = await infer(cardiologist, permitted);
    answers.chat = (
      await call('POST', `${gateway}/v1/chat/completions`, {
        token: clinician,
        body: {
          model: AFTERCARE_MODEL_NAME,
          messages: [{ role: 'user', content: `Draft aftercare. ${PAYLOAD}` }],
          metadata: { patient: permitted, purpose_of_use: 'TREAT' },
        },
      })
    ).status;
    answers.chatRefused = (
      await call('POST', `${gateway}/v1/chat/completions`, {
        token: clinician,
        body: {
          model: AFTERCARE_MODEL_NAME,
          messages: [{ role: 'user', content: PAYLOAD }],
          metadata: { patient: denied, purpose_of_use: 'TREAT' },
        },
      })
    ).status;
    answers.breakGlass = (
      await call('POST', `${governance}/break-glass`, {
        token: clinician,
        body: {
          patient: denied,
          reasonCode: 'life-threatening-emergency',
          justification: 'unresponsive after the injection',
        },
      })
    ).status;
    // A malformed body carrying the sentinels, refused at the edge.
    answers.malformed = (
      await fetch(`${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
        body: `{"parameters":{"patient":"${permitted}","purpose_of_use":"TREAT"},"inputs":"${PAYLOAD}"`,
      })
    ).status;
    await processor.forceFlush();
  });

  afterAll(async () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    await platform?.stop();
    await stopTelemetry();
  });

  it('seeded what it meant to: consents, an allowed call, refusals and a break-glass grant', () => {
    expect(answers).toEqual({
      consentPermit: 201,
      consentDeny: 201,
      inferAllowed: 200,
      inferConsentDenied: 403,
      inferNoConsent: 403,
      inferOtherDepartment: 403,
      chat: 200,
      chatRefused: 403,
      breakGlass: 201,
      malformed: 400,
    });
  });

  it('has a scan that does find each sentinel in clear, base64 at every alignment, and hex', () => {
    for (const sentinel of [...PATIENT_IDS, PAYLOAD, DOCUMENT]) {
      for (const prefix of ['', 'a', 'ab', 'abc']) {
        const bytes = Buffer.from(`${prefix}${sentinel}"}`);
        for (const encoded of [
          bytes.toString('base64'),
          bytes.toString('base64url'),
          bytes.toString('hex'),
          `x${prefix}${sentinel}y`,
        ]) {
          expect({ encoded, found: leaksIn(encoded).length > 0 }).toEqual({ encoded, found: true });
        }
      }
    }
  });

  it('finds no sentinel in the logs', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(leaksIn(logs.join('\n'))).toEqual([]);
  });

  it('finds no sentinel in any span', () => {
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toContain('gateway.consent');
    const text = JSON.stringify(
      spans.map((span) => ({
        name: span.name,
        attributes: span.attributes,
        status: span.status,
        events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
        links: span.links.map((link) => link.attributes),
        resource: span.resource.attributes,
      })),
    );
    expect(leaksIn(text)).toEqual([]);
  });

  it('finds no sentinel in any table, audit rows included (bytea as hex)', async () => {
    const dump = await dumpAllTables(platform.config.database.url ?? '');
    expect(dump).toContain('audit');
    expect(leaksIn(dump)).toEqual([]);
  });

  it("finds no sentinel in what a security officer's audit search and export return", async () => {
    const governance = platform.config.http.governanceUrl;
    const officer = await platform.token('security-officer');
    for (const route of [
      '/audit/events?limit=1000',
      '/audit/export?format=ndjson',
      '/audit/export?format=fhir',
      '/audit/export?format=csv',
    ]) {
      const answer = await fetch(`${governance}${route}`, {
        headers: { authorization: `Bearer ${officer}` },
      });
      expect(answer.status).toBe(200);
      expect({ route, leaks: leaksIn(await answer.text()) }).toEqual({ route, leaks: [] });
    }
  });
});
