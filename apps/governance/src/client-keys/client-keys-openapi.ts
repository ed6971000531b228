import type { DocumentedRoute } from '../docs/openapi-document.js';
import { registration } from './client-keys.controller.js';

const tag = 'client keys';

/** The public key a caller's encrypted responses (`Accept: application/jose`) are encrypted to. */
export const CLIENT_KEY_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'post',
    path: '/client-keys',
    tag,
    summary:
      'Register your public encryption key (JWK) for encrypted responses; registering again replaces it',
    body: registration,
    success: { status: 201, description: 'the registered key' },
    refusals: ['client_key.invalid'],
  },
  {
    method: 'get',
    path: '/client-keys',
    tag,
    summary: 'Your registered public encryption key',
    success: { status: 200, description: 'the key' },
    refusals: ['request.not_found'],
  },
];
