import { JweError } from './jose.js';
import { ProblemError, type ReasonCode } from '@praesidium/problem';

const CODES: Record<JweError['failure'], ReasonCode> = {
  malformed: 'jwe.malformed',
  algorithm_forbidden: 'jwe.algorithm_forbidden',
  header_forbidden: 'jwe.header_forbidden',
  key_unknown: 'jwe.key_unknown',
  key_retired: 'jwe.key_retired',
  decryption_failed: 'jwe.decryption_failed',
};

/** A JOSE refusal as the caller sees it; anything else is left as it is (and ends as internal.error). */
export function jweProblem(error: unknown): unknown {
  return error instanceof JweError ? new ProblemError(CODES[error.failure], error.message) : error;
}
