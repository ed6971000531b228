export * from './consent-provision.js';
export * from './consent-decision.js';
export * from './consent.entity.js';
export * from './dto/fhir-consent.schema.js';
export * from './consent.service.js';
export * from './consent.module.js';
