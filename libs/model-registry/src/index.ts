export * from './model.entity.js';
export * from './model-registry.service.js';
export * from './model-registry.module.js';
