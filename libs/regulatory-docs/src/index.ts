export * from './document-model.js';
export * from './snapshot.js';
export * from './fda-aidsf.js';
export * from './fda-pccp.js';
export * from './render.js';
export * from './sbom.js';
export * from './load-snapshot.js';
export * from './bundle.js';
