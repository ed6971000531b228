export * from './embedded-postgres.js';
export * from './data-source.js';
export * from './acquire-database.js';
export * from './database.module.js';
export { MIGRATIONS } from './migrations/index.js';
