export * from './jose.js';
export * from './key-store.js';
export * from './pseudonymizer.js';
export * from './keys.module.js';
export * from './decryption-key-ring.js';
