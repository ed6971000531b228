import { ProblemError } from '@praesidium/problem';
import { readClinicalContext, type ClinicalContext } from '../inference/inference-request.js';

/** The parts of an OpenAI chat completions body the gateway reads itself. */
export interface ChatRequestBody {
  model?: unknown;
  stream?: unknown;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * Reads the patient and purpose of use from `metadata.patient` and `metadata.purpose_of_use` (the
 * OpenAI API's free key-value field), and returns the model name, whether the caller asked for a
 * stream, and the body the backend gets: without those two keys, so a model never learns who the
 * patient is.
 */
export function splitChatContext(body: unknown): {
  modelName: string;
  stream: boolean;
  context: ClinicalContext;
  forwarded: ChatRequestBody;
} {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProblemError('request.invalid', 'the body must be a chat completions request object');
  }
  const request = body as ChatRequestBody;
  if (typeof request.model !== 'string' || request.model.length === 0) {
    throw new ProblemError('request.invalid', undefined, [{ path: '/model', message: 'must name a model' }]);
  }
  if (request.stream !== undefined && typeof request.stream !== 'boolean') {
    throw new ProblemError('request.invalid', undefined, [{ path: '/stream', message: 'must be boolean' }]);
  }
  const metadata = typeof request.metadata === 'object' && request.metadata !== null ? request.metadata : {};
  const { patient, purpose_of_use: purpose, ...rest } = metadata;
  const context = readClinicalContext(patient, purpose, 'metadata');
  const forwarded: ChatRequestBody = { ...request };
  if (Object.keys(rest).length > 0) forwarded.metadata = rest;
  else delete forwarded.metadata;
  return { modelName: request.model, stream: request.stream === true, context, forwarded };
}
