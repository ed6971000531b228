import type { DocumentedRoute } from '../docs/openapi-document.js';
import { changeQuery, decisionQuery, exportQuery, patientQuery, revokeQuery } from './consent-queries.js';

const tag = 'consent';
const FHIR_CONSENT = {
  mediaTypes: ['application/json'],
  description:
    'a FHIR R4 Consent resource, checked against the official FHIR R4 JSON Schema (each problem by its JSON ' +
    'path); a signed form may ride in sourceAttachment (base64, up to 10 MB)',
} as const;

/** Patient consents as FHIR R4 Consent resources, and the "why was this refused?" decision. */
export const CONSENT_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'post',
    path: '/consents',
    tag,
    summary: 'Record a patient consent (FHIR R4 Consent); `verification` says how it was verified',
    query: changeQuery,
    rawBody: FHIR_CONSENT,
    success: { status: 201, description: 'id, version and status of the consent' },
    refusals: ['consent.document_too_large', 'consent.version_conflict'],
  },
  {
    method: 'put',
    path: '/consents/{id}',
    tag,
    summary: 'Amend a consent: a whole new resource about the same patient becomes its next version',
    query: changeQuery,
    rawBody: FHIR_CONSENT,
    success: { status: 200, description: 'id, the new version and status' },
    refusals: ['request.not_found', 'consent.document_too_large', 'consent.version_conflict'],
  },
  {
    method: 'post',
    path: '/consents/{id}/revoke',
    tag,
    summary: 'Revoke a consent; every gateway refuses what it allowed within a second',
    description:
      "`patient` is required, as for reading: a consent that is not this patient's is answered as not " +
      'found, whether or not it exists. `verification` says how the revocation was verified.',
    query: revokeQuery,
    success: { status: 200, description: 'id, the new version and status `inactive`' },
    refusals: ['request.not_found', 'consent.version_conflict'],
  },
  {
    method: 'get',
    path: '/consents',
    tag,
    summary: 'The consents of a patient, latest versions, as a FHIR R4 searchset Bundle',
    description:
      'Only the fields your policy lets you read: without them, provision and sourceAttachment are withheld ' +
      'and the resource is labelled REDACTED.',
    query: patientQuery,
    success: { status: 200, description: 'a FHIR R4 Bundle of Consents' },
  },
  {
    method: 'get',
    path: '/consents/decision',
    tag,
    summary:
      'Why is a use refused? The consent decision for a patient, purpose (and model), with each consent',
    description:
      'The question the gateway would ask, by default for you; data classes and labels left out are unknown ' +
      '(a refusal about them counts). Audited.',
    query: decisionQuery,
    success: {
      status: 200,
      description: 'the decision, its reason code, and the consent and provision deciding',
    },
  },
  {
    method: 'get',
    path: '/consents/{id}',
    tag,
    summary: 'One consent (latest or `version`) as a FHIR R4 Consent, its source document included',
    query: exportQuery,
    success: { status: 200, description: 'the FHIR R4 Consent (fields your policy withholds removed)' },
    refusals: ['request.not_found'],
  },
  {
    method: 'get',
    path: '/consents/{id}/history',
    tag,
    summary: 'Every version of a consent: what changed, when, by whom and how it was verified',
    query: patientQuery,
    success: { status: 200, description: 'a FHIR R4 history Bundle' },
    refusals: ['request.not_found'],
  },
];
