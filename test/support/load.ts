import pg from 'pg';
import { exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';

/** What a client saw of one inference: status, reason code, and the audit record the answer names. */
export interface Outcome {
  readonly status: number;
  readonly code?: string;
  readonly audit?: { stream: string; seq: number; hash: string };
  /** Started after this instant (ms since epoch). */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The connection failed: no HTTP answer at all (a killed gateway). */
  readonly networkError?: boolean;
}

/** One OIP inference for `patient` with the demo ESI model, as a client records it. */
export async function inferOnce(gatewayUrl: string, token: string, patient: string): Promise<Outcome> {
  const startedAt = Date.now();
  try {
    const response = await fetch(`${gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        parameters: { patient, purpose_of_use: 'TREAT' },
        inputs: exampleEsiInputs(),
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as {
      code?: string;
      parameters?: { praesidium?: { audit?: Outcome['audit'] } };
    };
    return {
      status: response.status,
      code: body.code,
      audit: body.parameters?.praesidium?.audit,
      startedAt,
      endedAt: Date.now(),
    };
  } catch {
    return { status: 0, networkError: true, startedAt, endedAt: Date.now() };
  }
}

/**
 * `concurrency` clients calling `work` back to back until `stop()`: load that keeps requests in
 * flight at every moment of a fault. `stop()` resolves with every outcome once all clients are done.
 */
export function drive(concurrency: number, work: () => Promise<Outcome>) {
  const outcomes: Outcome[] = [];
  let running = true;
  const clients = Array.from({ length: concurrency }, async () => {
    while (running) outcomes.push(await work());
  });
  return {
    outcomes,
    async stop(): Promise<Outcome[]> {
      running = false;
      await Promise.all(clients);
      return outcomes;
    },
  };
}

/**
 * The 2xx answers whose named audit record is not in the database: each must be there, committed,
 * with the stream, seq and hash the answer names, as the call's `inference.response` success or,
 * for an answer released before its outcome record committed (after-release, the default), its
 * `inference.request` success, committed before anything was forwarded.
 */
export async function answersWithoutRecord(databaseUrl: string, outcomes: readonly Outcome[]) {
  const answered = outcomes.filter((outcome) => outcome.status >= 200 && outcome.status < 300);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ stream_id: string; seq: string; hash: string }>(
      `SELECT stream_id, seq, hash FROM audit.event
        WHERE action IN ('inference.request', 'inference.response') AND outcome = 'success'`,
    );
    const recorded = new Set(rows.map((row) => `${row.stream_id}/${row.seq}/${row.hash}`));
    return answered.filter(
      ({ audit }) => !audit || !recorded.has(`${audit.stream}/${audit.seq}/${audit.hash}`),
    );
  } finally {
    await client.end();
  }
}

/** Polls `probe` until it holds or `deadlineMs` passes; resolves with the elapsed ms, or Infinity. */
export async function within(deadlineMs: number, probe: () => Promise<boolean>, pauseMs = 25) {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > deadlineMs) return Infinity;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
