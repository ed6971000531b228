export * from './break-glass-grant.js';
export * from './break-glass.entity.js';
export * from './break-glass.service.js';
export * from './break-glass.module.js';
