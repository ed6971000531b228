export * from './fhir-audit-event.js';
export * from './tabular-export.js';
