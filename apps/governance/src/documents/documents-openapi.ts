import type { DocumentedRoute } from '../docs/openapi-document.js';
import { contentQuery, generateRequest, listQuery } from './documents.controller.js';

const tag = 'regulatory documents';

/**
 * Regulatory documents (FDA, EU MDR, EU AI Act) of a model version, and the signed submission bundle.
 * Each checks the caller's `RegulatoryDocument` permission against the document and its model (name,
 * departments, risk class): `access.denied` outside it, and for a document or model that does not exist
 * when the permission is narrowed.
 */
export const DOCUMENT_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'post',
    path: '/documents',
    tag,
    summary:
      'Generate a regulatory document of a model version, as a job; `submission` makes the signed bundle',
    description:
      "The `record` permission is checked on the model (a policy may narrow it to the model's name, departments " +
      'or risk class): outside it, `access.denied`, and for a model that does not exist when it is narrowed.',
    body: generateRequest,
    success: { status: 202, description: 'id, jobId and status `queued`; progress at `GET /jobs/{id}`' },
    refusals: ['model.unknown', 'model_version.unknown', 'jobs.unavailable'],
  },
  {
    method: 'get',
    path: '/documents',
    tag,
    summary:
      'The documents generated for a model version that the caller may read, newest first (metadata, no content)',
    description:
      "The caller's `read RegulatoryDocument` conditions (on the document and its model's name, departments, " +
      'risk class) filter the rows: none for a model outside them.',
    query: listQuery,
    success: { status: 200, description: 'the documents' },
  },
  {
    method: 'get',
    path: '/documents/{id}',
    tag,
    summary: 'A document’s metadata: status, completeness report (what is missing), bundle SHA-256',
    success: { status: 200, description: 'the document' },
    refusals: ['request.not_found'],
  },
  {
    method: 'get',
    path: '/documents/{id}/content',
    tag,
    summary: 'A generated file of the document (the main one unless `file` names another)',
    query: contentQuery,
    success: { status: 200, description: 'the file in its own media type, with a `digest` header (SHA-256)' },
    refusals: ['request.not_found', 'document.not_ready'],
  },
  {
    method: 'get',
    path: '/documents/{id}/archive',
    tag,
    summary: 'Every file of the document as one ZIP, which `praesidium docs verify` checks once extracted',
    success: {
      status: 200,
      description: 'the archive, with a `digest` header',
      mediaType: 'application/zip',
    },
    refusals: ['request.not_found', 'document.not_ready'],
  },
];
