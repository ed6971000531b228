// One swc configuration for the build and for Jest, so tests run the code exactly as it ships.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

export const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2022',
    baseUrl: root,
    paths: { '@praesidium/*': ['libs/*/src/index.ts'] },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'es6', resolveFully: true },
  sourceMaps: true,
};
