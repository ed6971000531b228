export * from './create-http-app.js';
export * from './before-body.js';
