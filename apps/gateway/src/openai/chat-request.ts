import { ProblemError } from '@praesidium/problem';
import { readClinicalContext, type ClinicalContext } from '../inference/inference-request.js';

/** The parts of an OpenAI chat completions body the gateway reads itself. */
export interface ChatRequestBody {
  model?: unknown;
  stream?: unknown;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

/** What `model` names: a registry model, and optionally a pinned version (`name@version`). */
export interface ChatModelReference {
  readonly name: string;
  readonly version?: string;
}

/**
 * Reads `model`: the registry name serves the deployed version; `name@version` pins a version, served
 * only if it is approved or deployed (as `/v2/models/{name}/versions/{version}/infer`). OpenAI pins
 * versions in the model string too; registry versions are semantic versions, which have no `@`.
 */
export function chatModelReference(model: unknown): ChatModelReference {
  if (typeof model !== 'string' || model.length === 0) return { name: '' };
  const at = model.lastIndexOf('@');
  if (at < 0) return { name: model };
  return { name: model.slice(0, at), version: model.slice(at + 1) };
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
  const reference = chatModelReference(request.model);
  if (reference.name.length === 0 || reference.version === '') {
    throw new ProblemError('request.invalid', undefined, [
      { path: '/model', message: 'must name a model, optionally with @version' },
    ]);
  }
  if (request.stream !== undefined && typeof request.stream !== 'boolean') {
    throw new ProblemError('request.invalid', undefined, [{ path: '/stream', message: 'must be boolean' }]);
  }
  const metadata = typeof request.metadata === 'object' && request.metadata !== null ? request.metadata : {};
  const { patient, purpose_of_use: purpose, ...rest } = metadata;
  const context = readClinicalContext(patient, purpose, 'metadata');
  // The backend serves one version: it gets the model's name, not the pin.
  const forwarded: ChatRequestBody = { ...request, model: reference.name };
  if (Object.keys(rest).length > 0) forwarded.metadata = rest;
  else delete forwarded.metadata;
  return { modelName: reference.name, stream: request.stream === true, context, forwarded };
}
