export * from './fhir-schema.js';
