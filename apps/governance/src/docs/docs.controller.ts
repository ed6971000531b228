import { Controller, Get, Header } from '@nestjs/common';
import { AUDIT_ROUTES } from '../audit/audit-openapi.js';
import { BIAS_ROUTES } from '../bias/bias-openapi.js';
import { BREAK_GLASS_ROUTES } from '../break-glass/break-glass-openapi.js';
import { CLIENT_KEY_ROUTES } from '../client-keys/client-keys-openapi.js';
import { CONSENT_ROUTES } from '../consent/consent-openapi.js';
import { DOCUMENT_ROUTES } from '../documents/documents-openapi.js';
import { JOBS_ROUTES } from '../jobs/jobs-openapi.js';
import { KEY_ROUTES } from '../keys/keys-openapi.js';
import { REGISTRY_ROUTES } from '../models/registry-openapi.js';
import { POLICY_ROUTES } from '../policies/policies-openapi.js';
import { POST_MARKET_ROUTES } from '../post-market/post-market-openapi.js';
import { SUSPENSION_ROUTES } from '../suspensions/suspensions-openapi.js';
import { openApiDocument, type DocumentedRoute } from './openapi-document.js';

/**
 * Every route of the governance API, each area's list beside its controller; a test fails when a
 * route is served but not listed here (test/e2e/governance-openapi.test.ts).
 */
const ROUTES: readonly DocumentedRoute[] = [
  ...REGISTRY_ROUTES,
  ...POST_MARKET_ROUTES,
  ...BIAS_ROUTES,
  ...DOCUMENT_ROUTES,
  ...CONSENT_ROUTES,
  ...BREAK_GLASS_ROUTES,
  ...POLICY_ROUTES,
  ...SUSPENSION_ROUTES,
  ...AUDIT_ROUTES,
  ...KEY_ROUTES,
  ...CLIENT_KEY_ROUTES,
  ...JOBS_ROUTES,
];

/**
 * OpenAPI at `/docs`: the JSON document at `/docs/openapi.json`, and a plain page listing the
 * operations. Public, like health: it describes the API and holds no data.
 */
@Controller('docs')
export class DocsController {
  private readonly document = openApiDocument(ROUTES);

  @Get('openapi.json')
  openApi() {
    return this.document;
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  page(): string {
    const rows = ROUTES.map(
      (route) =>
        `<tr><td><code>${route.method.toUpperCase()}</code></td><td><code>${escape(route.path)}</code></td>` +
        `<td>${escape(route.summary)}</td></tr>`,
    ).join('\n');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Praesidium governance API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}td{padding:.2rem .8rem;border-bottom:1px solid #ddd}</style>
</head><body><h1>Praesidium governance API</h1>
<p>The OpenAPI 3.1 document: <a href="/docs/openapi.json">/docs/openapi.json</a> (load it in any OpenAPI viewer).</p>
<table>${rows}</table></body></html>`;
  }
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
