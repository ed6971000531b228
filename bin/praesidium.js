#!/usr/bin/env node
// The `praesidium` command: runs the compiled CLI (npm install builds it; so does `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/apps/cli/src/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('praesidium is not built yet: run `npm run build` first');
  process.exit(1);
}
await import(entry);
