export * from './job-queue.js';
export * from './in-process-job-queue.js';
export * from './bull-job-queue.js';
export * from './jobs.module.js';
