import type { DocumentedRoute } from '../docs/openapi-document.js';
import { liftBody, suspensionBody, suspensionsQuery } from './suspensions.controller.js';

const tag = 'suspensions';

/** Suspending a person at once (lock out), the list of suspensions, and lifting one. */
export const SUSPENSION_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'post',
    path: '/access/suspensions',
    tag,
    summary:
      'Suspend a person: every token of theirs is refused everywhere within a second, whatever its expiry',
    description:
      'By the subject at the trusted issuer their tokens name, with a reason; not yourself. Takes effect without ' +
      'four-eyes approval; audited (`principal.suspended`).',
    body: suspensionBody,
    success: { status: 201, description: 'the active suspension' },
    refusals: ['suspension.self', 'suspension.already_active', 'access.principal_suspended'],
  },
  {
    method: 'get',
    path: '/access/suspensions',
    tag,
    summary: 'The active suspensions, newest first (`include=lifted`: every suspension, the lifted ones too)',
    query: suspensionsQuery,
    success: { status: 200, description: 'count and suspensions' },
  },
  {
    method: 'post',
    path: '/access/suspensions/{id}/lift',
    tag,
    summary: 'Lift a suspension: the person is let in again within a second; not your own; audited',
    body: liftBody,
    success: { status: 200, description: 'the lifted suspension' },
    refusals: ['suspension.not_found', 'suspension.lifted', 'suspension.self', 'access.principal_suspended'],
  },
];
