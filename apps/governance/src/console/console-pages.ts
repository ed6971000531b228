import { registerClinicianPages } from './clinician/clinician.pages.js';
import type { ConsolePages } from './console.plugin.js';
import { registerSecurityPages } from './security/security.pages.js';
import { ethicsPages } from './ethics/ethics.pages.js';
import { regulatoryPages } from './regulatory/regulatory.pages.js';

/**
 * The console's page groups, one per persona. Each registers its routes (under /console) and its
 * navigation entries; add a group here to add pages.
 */
export const CONSOLE_PAGES: readonly ConsolePages[] = [
  (app, _nest, config) => registerClinicianPages(app, config.http.gatewayUrl),
  (app, _nest, config) =>
    registerSecurityPages(
      app,
      config.auth.issuers.map((issuer) => issuer.issuer),
    ),
  regulatoryPages,
  ethicsPages,
];
