import type { DocumentedRoute } from '../docs/openapi-document.js';
import { diffQuery, proposal } from './policies.controller.js';

const tag = 'access policy';

/** Access policy as versioned data: one security officer proposes, another approves. */
export const POLICY_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'post',
    path: '/policies',
    tag,
    summary: 'Propose a new access policy version, with the reason for the change',
    description: 'Validated first: `policy.invalid` lists each problem by its JSON path. Audited.',
    body: proposal,
    success: { status: 201, description: 'the proposed version' },
    refusals: ['policy.invalid'],
  },
  {
    method: 'post',
    path: '/policies/{version}/approve',
    tag,
    summary: 'Approve a proposed version, which activates it everywhere (not by its author)',
    success: { status: 200, description: 'the activated version' },
    refusals: ['policy.not_found', 'policy.four_eyes', 'policy.not_pending', 'policy.stale'],
  },
  {
    method: 'get',
    path: '/policies',
    tag,
    summary: 'Every policy version, and which is active',
    success: { status: 200, description: '`active` version number and `versions`' },
  },
  {
    method: 'get',
    path: '/policies/active',
    tag,
    summary: 'The active policy version with its document',
    success: { status: 200, description: 'the version' },
    refusals: ['policy.unavailable'],
  },
  {
    method: 'get',
    path: '/policies/{version}',
    tag,
    summary: 'A policy version with its document, author, reason and approver',
    success: { status: 200, description: 'the version' },
    refusals: ['policy.not_found'],
  },
  {
    method: 'get',
    path: '/policies/{version}/diff',
    tag,
    summary: 'Per role, the rules this version adds to and removes from version `against`',
    query: diffQuery,
    success: { status: 200, description: 'from, to, and the changes per role' },
    refusals: ['policy.not_found'],
  },
];
