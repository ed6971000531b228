export * from './telemetry.js';
export * from './traced.js';
