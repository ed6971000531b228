import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { startTelemetry, stopTelemetry } from '@praesidium/telemetry';
import { eventually, withOutcome } from '../support/eventually.js';
import { call, type JsonResponse } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const STEPS = [
  'gateway.authenticate',
  'gateway.resolve',
  'gateway.limit',
  'gateway.authorize',
  'gateway.consent',
  'gateway.validate',
  'gateway.audit',
  'gateway.assert',
  'gateway.forward',
  'gateway.respond',
];

interface AuditRecordBody {
  event: Record<string, unknown> & { traceId?: string; entity?: { patientPseudonym?: string } };
}

function inferenceBody(patient: string) {
  return { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() };
}

function correlationIdOf(response: JsonResponse): string {
  const meta = (response.body.parameters as { praesidium?: { correlation_id?: string } } | undefined)
    ?.praesidium;
  return String(meta?.correlation_id ?? response.body.correlationId);
}

/** Everything a span carries that an exporter would ship, apart from its resource. */
function exportedText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    links: span.links.map((link) => link.attributes),
  });
}

describe('traces of the governed inference path', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  let platform: TestPlatform | undefined;
  let allowed: { response: JsonResponse; spans: ReadableSpan[] };
  let refused: { response: JsonResponse; spans: ReadableSpan[] };
  let audit: AuditRecordBody[];

  /** One call and exactly the spans it produced. */
  async function traceOf(patient: string, token: string) {
    exporter.reset();
    const url = `${platform!.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    const response = await call('POST', url, { token, body: inferenceBody(patient) });
    await processor.forceFlush();
    return { response, spans: [...exporter.getFinishedSpans()] };
  }

  beforeAll(async () => {
    // Telemetry first, as the CLI does: the platform's tracer is the SDK's from its first span on.
    startTelemetry({ serviceName: 'test', spanProcessors: [processor] });
    platform = await startTestPlatform('postgres');
    const clinician = await platform.token('pain-clinician');
    allowed = await traceOf(DEMO_PATIENTS.consented, clinician);
    refused = await traceOf(DEMO_PATIENTS.refused, clinician);
    const officer = await platform.token('security-officer');
    // The allowed call's outcome record may commit just after its answer (after-release).
    audit = await eventually(
      async () => {
        const search = await call('GET', `${platform!.config.http.governanceUrl}/audit/events?limit=1000`, {
          token: officer,
        });
        return search.body.records as AuditRecordBody[];
      },
      (records) =>
        withOutcome(
          records
            .map((record) => record.event)
            .filter((event) => event.correlationId === correlationIdOf(allowed.response)),
        ),
    );
  });

  afterAll(async () => {
    await platform?.stop();
    await stopTelemetry();
  });

  const recordsOf = (response: JsonResponse) =>
    audit.filter((record) => record.event.correlationId === correlationIdOf(response));
  const span = (spans: ReadableSpan[], name: string) => spans.find((candidate) => candidate.name === name);

  it('makes one span per gateway step of an allowed call, all in one trace under gateway.infer', () => {
    expect(allowed.response.status).toBe(200);
    const names = allowed.spans.map((candidate) => candidate.name);
    for (const step of ['gateway.infer', ...STEPS])
      expect(names.filter((name) => name === step)).toHaveLength(1);

    const root = span(allowed.spans, 'gateway.infer')!;
    expect(root.parentSpanContext).toBeUndefined();
    const traceId = root.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(allowed.spans.map((candidate) => candidate.spanContext().traceId))).toEqual(
      new Set([traceId]),
    );
    for (const step of STEPS) {
      expect({ step, parent: span(allowed.spans, step)!.parentSpanContext?.spanId }).toEqual({
        step,
        parent: root.spanContext().spanId,
      });
      expect({ step, status: span(allowed.spans, step)!.status.code }).toEqual({
        step,
        status: SpanStatusCode.UNSET,
      });
    }
  });

  it("writes the allowed call's trace id into both of its audit records", () => {
    const traceId = span(allowed.spans, 'gateway.infer')!.spanContext().traceId;
    const records = recordsOf(allowed.response);
    expect(records.map((record) => record.event.action).sort()).toEqual([
      'inference.request',
      'inference.response',
    ]);
    for (const record of records) expect(record.event.traceId).toBe(traceId);
  });

  it('marks the consent step of a refused call as an error with its reason code, and stops there', () => {
    expect(refused.response.status).toBe(403);
    expect(refused.response.body.code).toBe('consent.denied');
    const consent = span(refused.spans, 'gateway.consent');
    expect(consent?.status.code).toBe(SpanStatusCode.ERROR);
    expect(consent?.attributes['praesidium.reason_code']).toBe('consent.denied');
    expect(span(refused.spans, 'gateway.infer')?.status.code).toBe(SpanStatusCode.ERROR);
    // Nothing is validated, audited as a request or forwarded after a refusal.
    const names = refused.spans.map((candidate) => candidate.name);
    for (const step of [
      'gateway.validate',
      'gateway.audit',
      'gateway.assert',
      'gateway.forward',
      'gateway.respond',
    ]) {
      expect(names).not.toContain(step);
    }
    const traceId = consent!.spanContext().traceId;
    expect(new Set(refused.spans.map((candidate) => candidate.spanContext().traceId))).toEqual(
      new Set([traceId]),
    );
    expect(traceId).not.toBe(span(allowed.spans, 'gateway.infer')!.spanContext().traceId);
    expect(recordsOf(refused.response)).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ outcome: 'refused', reasonCode: 'consent.denied', traceId }),
      }),
    ]);
  });

  it('puts no patient reference and no patient pseudonym in any span', () => {
    const pseudonyms = [...recordsOf(allowed.response), ...recordsOf(refused.response)].map(
      (record) => record.event.entity?.patientPseudonym,
    );
    // Both patients, pseudonymized, in the audit records of their calls (and only there).
    expect(new Set(pseudonyms).size).toBe(2);
    pseudonyms.forEach((pseudonym) => expect(pseudonym).toMatch(/^[A-Za-z0-9_-]{43}$/));
    const forbidden = ['esi-demo-1001', 'esi-demo-1002', ...(pseudonyms as string[])];

    const spans = [...allowed.spans, ...refused.spans];
    expect(spans.length).toBe(11 + 6);
    const leaks = spans.flatMap((candidate) => {
      const values = [
        ...Object.values(candidate.attributes).map(String),
        // What else an exporter ships: the status message and any event.
        exportedText(candidate),
      ];
      return forbidden
        .filter((secret) => values.some((value) => value.includes(secret)))
        .map((secret) => `${candidate.name} carries ${secret}`);
    });
    expect(leaks).toEqual([]);
  });
});
