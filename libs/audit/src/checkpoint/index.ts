export * from './checkpoint-payload.js';
export * from './audit-checkpoints.js';
