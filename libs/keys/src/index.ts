export * from './jose.js';
export * from './key-store.js';
export * from './pseudonymizer.js';
export * from './keys.module.js';
