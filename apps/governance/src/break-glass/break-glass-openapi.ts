import type { DocumentedRoute } from '../docs/openapi-document.js';
import { declaration, review } from './break-glass.controller.js';

const tag = 'break-glass';

/** Break-glass emergency access: declare, end, and the security officer's alerts and reviews. */
export const BREAK_GLASS_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'post',
    path: '/break-glass',
    tag,
    summary: 'Declare an emergency for one patient: ETREAT/BTG calls pass a consent denial until it ends',
    description:
      'Only for roles the policy allows, with a reason code and a justification; time-boxed, always alerted, and ' +
      'a review task for a security officer. Audited.',
    body: declaration,
    success: { status: 201, description: 'the grant with its expiry' },
  },
  {
    method: 'post',
    path: '/break-glass/{id}/end',
    tag,
    summary: 'End your emergency access before its time box is over',
    success: { status: 200, description: 'the ended grant' },
    refusals: ['break_glass.not_found', 'break_glass.closed'],
  },
  {
    method: 'get',
    path: '/break-glass/alerts',
    tag,
    summary: 'Every declaration, newest first, with the delivery state of its webhook alert',
    success: { status: 200, description: '`alerts` (the newest 200), `count` of them and the `total`' },
  },
  {
    method: 'get',
    path: '/break-glass/reviews',
    tag,
    summary: 'The review tasks: grants no security officer has reviewed yet, the longest waiting first',
    success: {
      status: 200,
      description: '`reviews` (the oldest 200), `count` of them and the `total` waiting',
    },
  },
  {
    method: 'get',
    path: '/break-glass/{id}',
    tag,
    summary: 'A grant (its holder, or a security officer)',
    success: { status: 200, description: 'the grant' },
    refusals: ['break_glass.not_found'],
  },
  {
    method: 'post',
    path: '/break-glass/{id}/review',
    tag,
    summary: 'Review an ended or expired grant (once, by someone other than its holder)',
    body: review,
    success: { status: 200, description: 'the reviewed grant' },
    refusals: ['break_glass.not_found', 'break_glass.not_ended', 'break_glass.closed'],
  },
];
