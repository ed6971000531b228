export * from './audit-retention.js';
export * from './retention-anchors.js';
