import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { PraesidiumConfig } from '@praesidium/config';

/**
 * The gateway's HTTPS options, or none for plain HTTP. With mutual TLS (`optional` or `required`)
 * the server asks every client for a certificate and verifies it against the client CA bundle, but
 * lets the request through either way: the authenticate step then refuses a missing or unverified
 * certificate with its own reason code, audited, instead of a bare handshake failure nobody sees.
 */
export function gatewayHttpsOptions(config: PraesidiumConfig): ServerOptions | undefined {
  const tls = config.gateway.tls;
  if (!tls) return undefined;
  const mutual = tls.mtls !== 'off' && tls.clientCaFile !== undefined;
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    minVersion: 'TLSv1.2',
    ...(mutual ? { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
  };
}
