import type { DocumentedRoute } from '../docs/openapi-document.js';
import { ROTATABLE_PURPOSES, rotationBody } from './key-rotation.controller.js';

const tag = 'keys';
const purposes = ROTATABLE_PURPOSES.map((purpose) => `\`${purpose}\``).join(', ');

/** Key rotation for security officers, as `praesidium keys rotate`. */
export const KEY_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'get',
    path: '/keys/{purpose}',
    tag,
    summary: `The keys of a purpose (${purposes}): current, in grace, retired; never a private part`,
    success: { status: 200, description: 'purpose and keys (kid, alg, createdAt, retiresAt, state)' },
  },
  {
    method: 'post',
    path: '/keys/{purpose}/rotations',
    tag,
    summary: `Rotate the keys of a purpose (${purposes}); superseded keys still decrypt for the grace period`,
    description: 'Running gateways follow the new key. Audited.',
    body: rotationBody,
    success: { status: 201, description: 'purpose, graceSeconds, and the keys after the rotation' },
  },
];
