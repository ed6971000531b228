export * from './jose.js';
export * from './key-store.js';
export * from './pseudonymizer.js';
export * from './keys.module.js';
export * from './decryption-key-ring.js';
export * from './client-keys/client-key-directory.js';
export * from './client-keys/client-keys.module.js';
