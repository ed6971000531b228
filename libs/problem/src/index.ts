export * from './reason-codes.js';
export * from './problem.error.js';
export * from './problem.filter.js';
export * from './zod-body.pipe.js';
