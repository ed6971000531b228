import { readFileSync } from 'node:fs';
import type { PackageLock } from './sbom.js';

/** The platform's own lockfile, as the SBOM and the cybersecurity document describe it. */
export const PACKAGE_LOCK = JSON.parse(
  readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8'),
) as PackageLock;
