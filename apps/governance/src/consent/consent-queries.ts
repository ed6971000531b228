import { z } from 'zod';
import { PURPOSES_OF_USE } from '@praesidium/config';
import {
  PATIENT_REFERENCE,
  VERIFICATION_METHODS,
  consentActors,
  type Clinician,
  type ConsentQuestion,
} from '@praesidium/consent';

const patient = z.string().regex(PATIENT_REFERENCE, 'a Patient reference such as Patient/123');
const codeList = z
  .string()
  .max(512)
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

export const patientQuery = z.object({ patient }).strict();

export const exportQuery = z.object({ patient, version: z.coerce.number().int().min(1).optional() }).strict();

const verification = z.enum(VERIFICATION_METHODS).optional();

export const changeQuery = z.object({ verification }).strict();

/** `POST /consents/{id}/revoke`: the patient the consent is about, as reading it needs, and how it was verified. */
export const revokeQuery = z.object({ patient, verification }).strict();

/**
 * `GET /consents/decision`: the question the gateway would ask for this patient, purpose and model, and
 * by default for the asking clinician; data attributes left out are unknown (a refusal about them counts).
 */
export const decisionQuery = z
  .object({
    patient,
    purpose: z.enum(PURPOSES_OF_USE),
    model: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/)
      .optional(),
    practitioner: z.string().min(1).max(128).optional(),
    /** The practitioner's issuer; by default the one consents' `Practitioner/<subject>` references name. */
    practitionerIssuer: z.string().min(1).max(2048).optional(),
    action: z.string().min(1).max(64).default('use'),
    class: codeList.optional(),
    label: codeList.optional(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export function questionOf(
  query: z.infer<typeof decisionQuery>,
  asker: Clinician & { readonly roles: readonly string[] },
  referenceIssuer: string | undefined,
): ConsentQuestion {
  const practitioner = query.practitioner
    ? { subject: query.practitioner, issuer: query.practitionerIssuer ?? referenceIssuer ?? '' }
    : asker;
  return {
    purposeOfUse: query.purpose,
    at: query.at ? new Date(query.at) : new Date(),
    ...consentActors(practitioner, query.model, referenceIssuer),
    roles: query.practitioner ? undefined : asker.roles,
    action: query.action,
    dataClasses: query.class,
    securityLabels: query.label,
  };
}
