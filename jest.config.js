import { swcOptions } from './swc.config.mjs';

/** Unit tests (*.spec.ts) sit beside the code; integration and e2e tests live in test/. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import siblings as './x.js' (Node ESM); Jest resolves them to the .ts files.
  // The FHIR validators the build compiles ahead of time live only in dist/ (libs/fhir/src/fhir-schema.ts).
  moduleNameMapper: {
    '^\\./fhir-r4-validators\\.cjs$': '<rootDir>/dist/libs/fhir/src/fhir-r4-validators.cjs',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcOptions, sourceMaps: 'inline' }] },
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
