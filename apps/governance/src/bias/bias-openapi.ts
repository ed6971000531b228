import type { DocumentedRoute } from '../docs/openapi-document.js';
import { comment, listQuery, signOff, uploadQuery } from './bias-reports.controller.js';
import { EVALUATION_MEDIA_TYPES } from './evaluation-upload.js';

const tag = 'bias reports';

/**
 * Bias reports: upload an evaluation, read the report, comment, sign it off. Each checks the caller's
 * `BiasReport` permission against the report and the model it is of (its name, departments, risk class):
 * `access.denied` outside it, and for a report or model that does not exist when the permission is narrowed.
 */
export const BIAS_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'post',
    path: '/bias-reports',
    tag,
    summary: 'Upload an evaluation file (CSV or NDJSON as the body); the report is computed by a job',
    description:
      'The column mapping and report settings are query parameters (as the CLI flags of `praesidium bias`). ' +
      'The file is validated before anything is stored; `dataset` names a registry dataset whose content hash ' +
      'must be the SHA-256 of the file. The `record` permission is checked on the model `modelVersion` names ' +
      "(a policy may narrow it to the model's name, departments or risk class): outside it, `access.denied`; " +
      'a report of no registry model needs a permission on every model.',
    query: uploadQuery,
    rawBody: {
      mediaTypes: Object.keys(EVALUATION_MEDIA_TYPES),
      description: 'the evaluation file: one row per prediction, with label, score and attribute columns',
    },
    success: { status: 202, description: 'id, jobId, status `queued`, and the dataset SHA-256 and rows' },
    refusals: [
      'request.unsupported_media_type',
      'request.too_large',
      'bias.input_invalid',
      'bias.dataset_unknown',
      'bias.dataset_mismatch',
      'jobs.unavailable',
    ],
  },
  {
    method: 'get',
    path: '/bias-reports',
    tag,
    summary:
      'The bias reports the caller may read, newest first (status, dataset, verdict, reportSha256; no report body)',
    description:
      "The caller's `read BiasReport` conditions (on the report and its model's name, departments, risk class) " +
      'filter the rows before the limit.',
    query: listQuery,
    success: { status: 200, description: 'the reports' },
  },
  {
    method: 'get',
    path: '/bias-reports/{id}',
    tag,
    summary: 'A bias report with its metrics, comments, and the sign-off it needs',
    success: {
      status: 200,
      description:
        'the report; `signOff.bindsTo` is the SHA-256 a sign-off signs; `model` is the registry model it is of now ' +
        '(`model`, `departments`, `riskClass`, what `BiasReport` conditions are decided on), or null',
    },
    refusals: ['request.not_found'],
  },
  {
    method: 'get',
    path: '/bias-reports/{id}/report.html',
    tag,
    summary: 'The computed report as a printable page',
    success: { status: 200, description: 'the report page', mediaType: 'text/html' },
    refusals: ['bias.report_not_ready'],
  },
  {
    method: 'post',
    path: '/bias-reports/{id}/comments',
    tag,
    summary: 'Comment on a bias report (ethics board)',
    body: comment,
    success: { status: 201, description: 'the comment' },
    refusals: ['request.not_found'],
  },
  {
    method: 'post',
    path: '/bias-reports/{id}/signatures',
    tag,
    summary: 'Sign off a completed report (21 CFR Part 11: your signing PIN, bound to its reportSha256)',
    description:
      'By an ethics-board member other than the requester. An `approved` sign-off on a report computed for a ' +
      'model version is what its approval needs. Refusals are audited.',
    body: signOff,
    success: { status: 201, description: 'the signature manifestation' },
    refusals: [
      'request.not_found',
      'signature.role_invalid',
      'bias.report_not_ready',
      'bias.requester_signs',
      'signature.reauthentication_failed',
      'signature.locked',
      'signature.pin_unbound',
      'signature.record_mismatch',
    ],
  },
];
