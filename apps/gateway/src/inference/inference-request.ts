import { PURPOSES_OF_USE, type PurposeOfUse } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';

/** An Open Inference Protocol v2 request body, with Praesidium's parameters. */
export interface OipRequestBody {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs?: unknown[];
  outputs?: unknown[];
}

export interface ClinicalContext {
  readonly patientReference: string;
  readonly purposeOfUse: PurposeOfUse;
}

const PATIENT_REFERENCE = /^(Patient\/)?[A-Za-z0-9\-.]{1,64}$/;

/** Checks a patient reference and a purpose of use read from `where` (`parameters`, `metadata`). */
export function readClinicalContext(patient: unknown, purpose: unknown, where: string): ClinicalContext {
  if (typeof patient !== 'string' || !PATIENT_REFERENCE.test(patient)) {
    throw new ProblemError('request.patient_missing', `set ${where}.patient to a FHIR Patient reference`);
  }
  if (typeof purpose !== 'string' || !(PURPOSES_OF_USE as readonly string[]).includes(purpose)) {
    throw new ProblemError(
      'request.purpose_invalid',
      `set ${where}.purpose_of_use to one of ${PURPOSES_OF_USE.join(', ')}`,
    );
  }
  return { patientReference: patient, purposeOfUse: purpose as PurposeOfUse };
}

/**
 * Reads the patient and purpose of use from the request's `parameters` (`patient`,
 * `purpose_of_use`), and returns the body the backend gets: the same request without them, so a
 * model never learns who the patient is.
 */
export function splitClinicalContext(body: unknown): { context: ClinicalContext; forwarded: OipRequestBody } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProblemError('request.invalid', 'the body must be an Open Inference Protocol request object');
  }
  const request = body as OipRequestBody;
  const { patient, purpose_of_use: purpose, ...rest } = request.parameters ?? {};
  const context = readClinicalContext(patient, purpose, 'parameters');
  const forwarded: OipRequestBody = { ...request };
  if (Object.keys(rest).length > 0) forwarded.parameters = rest;
  else delete forwarded.parameters;
  return { context, forwarded };
}
