import type { DocumentedRoute } from '../docs/openapi-document.js';
import { consistencyQuery, inclusionQuery } from './audit-proofs.controller.js';
import { decisionsQuery, exportQuery, searchQuery, verifyBody } from './audit.controller.js';

const tag = 'audit trail';

/** The audit trail's search, export, verification, checkpoints and proofs. */
export const AUDIT_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'get',
    path: '/audit/decisions',
    tag,
    summary: 'Gateway decisions (allowed, refused by reason code) counted per minute, hour or day',
    description:
      'The live view of a security officer: counts only, so reading them is not audited. At most a week of ' +
      'hours (168 buckets) per answer; `since` defaults to 24 hours before `until` (default now).',
    query: decisionsQuery,
    success: { status: 200, description: 'since, until, bucket, and the counts per bucket' },
  },
  {
    method: 'get',
    path: '/audit/events',
    tag,
    summary: 'Search the audit trail; `patient` is the reference as typed, looked up by its pseudonym',
    description:
      'Newest first, `limit` per page; pass `nextCursor` as `cursor` for the next page. The search is audited.',
    query: searchQuery,
    success: { status: 200, description: 'count, records, and nextCursor (null on the last page)' },
  },
  {
    method: 'get',
    path: '/audit/export',
    tag,
    summary: 'Download a search as NDJSON (as hashed), CSV (formula-safe) or a FHIR R4 Bundle of AuditEvents',
    description:
      'The same filters as `GET /audit/events`; one page per download, the next cursor in the `x-next-cursor` ' +
      'header. The export is audited.',
    query: exportQuery,
    success: {
      status: 200,
      description:
        'an attachment: application/x-ndjson, text/csv or application/fhir+json (a Bundle of AuditEvents)',
    },
  },
  {
    method: 'post',
    path: '/audit/verifications',
    tag,
    summary: 'Verify every hash chain and signature of the trail, as a job (from a checkpoint if given)',
    body: verifyBody,
    success: { status: 202, description: '`job` id and `status`, the URL to poll (`GET /jobs/{id}`)' },
    refusals: ['jobs.unavailable'],
  },
  {
    method: 'get',
    path: '/audit/checkpoint-keys.json',
    tag,
    summary: 'The public keys checkpoints are signed with (public, so anyone can verify a checkpoint)',
    isPublic: true,
    success: { status: 200, description: 'the public keys as JWKs' },
  },
  {
    method: 'get',
    path: '/audit/checkpoints/latest',
    tag,
    summary: 'The latest signed checkpoint of the trail (tree size, root hash, signature)',
    success: { status: 200, description: 'the checkpoint' },
    refusals: ['request.not_found'],
  },
  {
    method: 'post',
    path: '/audit/checkpoints',
    tag,
    summary: 'Sign a checkpoint now instead of waiting for the timer',
    success: {
      status: 200,
      description: '`checkpoint`, or null when nothing was appended since the last one',
    },
  },
  {
    method: 'get',
    path: '/audit/proofs/inclusion',
    tag,
    summary: 'Proof that a record (stream and sequence number) is in a checkpoint (the latest by default)',
    query: inclusionQuery,
    success: { status: 200, description: 'the inclusion proof (docs/audit-verification.md)' },
    refusals: ['request.not_found'],
  },
  {
    method: 'get',
    path: '/audit/proofs/consistency',
    tag,
    summary: 'Proof that checkpoint `to` extends checkpoint `from` (nothing was rewritten in between)',
    query: consistencyQuery,
    success: { status: 200, description: 'the consistency proof (docs/audit-verification.md)' },
    refusals: ['request.not_found'],
  },
];
