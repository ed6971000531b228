export * from './platform-deps.js';
