export * from './audit-event.js';
export * from './hash-chain.js';
export * from './audit-event.entity.js';
export * from './audit-trail.service.js';
export * from './audit.module.js';
export * from './export/index.js';
