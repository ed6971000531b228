export * from './telemetry.js';
export * from './traced.js';
export * from './metrics.js';
