import { REASONS, type ReasonCode } from './reason-codes.js';

/** One problem of a validation, located by a JSON path (RFC 6901 pointer or JSONPath-like string). */
export interface ProblemDetailItem {
  readonly path: string;
  readonly message: string;
}

/**
 * A domain error carrying a stable reason code. Thrown anywhere; the ProblemFilter renders it as
 * application/problem+json (RFC 9457). `detail` is shown to the caller: never put a patient
 * identifier or a payload in it.
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ReasonCode,
    readonly detail?: string,
    readonly errors?: readonly ProblemDetailItem[],
  ) {
    super(`${code}${detail ? `: ${detail}` : ''}`);
    this.name = 'ProblemError';
    this.status = REASONS[code].status;
    this.title = REASONS[code].title;
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  correlationId: string;
  errors?: readonly ProblemDetailItem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `urn:praesidium:problem:${code}`;
}

export function toProblemDocument(error: ProblemError, correlationId: string): ProblemDocument {
  return {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    correlationId,
    ...(error.errors?.length ? { errors: error.errors } : {}),
  };
}
