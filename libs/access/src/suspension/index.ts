export * from './principal-suspension.js';
export * from './principal-suspension.entity.js';
export * from './suspension-list.js';
export * from './suspension-bus.js';
export * from './active-suspensions.js';
export * from './principal-suspensions.service.js';
export * from './suspension.module.js';
