import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { call } from './http.js';
import type { TestPlatform } from './platform.js';

/** The record an answer names for feedback (`parameters.praesidium.audit`). */
export interface OutputRecord {
  readonly stream: string;
  readonly seq: number;
  readonly hash: string;
}

/**
 * One real call of the lumbar ESI model through the gateway, for the consented demo patient; `ageYears`
 * changes the example's age (another output), `correlationId` is sent as the caller's `x-correlation-id`.
 */
export async function inferAsClinician(
  platform: TestPlatform,
  clinician: string,
  options: { ageYears?: number; correlationId?: string } = {},
): Promise<OutputRecord> {
  const inputs = exampleEsiInputs().map((input) =>
    input.name === 'age_years' && options.ageYears !== undefined
      ? { ...input, data: [options.ageYears] }
      : input,
  );
  const answer = await call(
    'POST',
    `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
    {
      token: clinician,
      body: { parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' }, inputs },
      headers: options.correlationId ? { 'x-correlation-id': options.correlationId } : {},
    },
  );
  if (answer.status !== 200) throw new Error(`inference refused: ${JSON.stringify(answer.body)}`);
  return (answer.body.parameters as { praesidium: { audit: OutputRecord } }).praesidium.audit;
}

/** The clinician's verdict on an output, through `POST /v2/feedback`, as the console sends it. */
export async function giveFeedback(
  platform: TestPlatform,
  clinician: string,
  output: OutputRecord,
  verdict: 'accepted' | 'modified' | 'rejected',
  reason: string,
): Promise<void> {
  const response = await call('POST', `${platform.config.http.gatewayUrl}/v2/feedback`, {
    token: clinician,
    body: { audit: output, verdict, reason },
  });
  if (response.status !== 201) throw new Error(`feedback refused: ${JSON.stringify(response.body)}`);
}
