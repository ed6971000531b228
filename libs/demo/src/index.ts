export * from './personas.js';
export * from './demo-token.js';
export * from './lumbar-esi-model.js';
export * from './fluoro-needle-model.js';
export * from './aftercare-language-model.js';
export * from './demo-data.js';
