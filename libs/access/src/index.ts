export * from './principal.js';
export * from './jwks-source.js';
export * from './token-verifier.js';
export * from './bearer-token.js';
export * from './ability.js';
export * from './access.module.js';
export * from './policy/index.js';
export * from './break-glass/index.js';
