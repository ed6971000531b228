import { createHash, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { MtlsMode } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';

/** A client certificate as presented on a TLS connection. */
export interface PresentedCertificate {
  /** SHA-256 of the DER certificate, base64url: RFC 8705's `x5t#S256`. */
  readonly thumbprint: string;
  /** Whether the TLS layer verified it against the configured client CA bundle. */
  readonly verified: boolean;
  /** Subject alternative names, URIs first, then DNS names. */
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
}

/** The client certificate of a connection, if it is TLS and one was sent. */
export function presentedCertificate(socket: Socket): PresentedCertificate | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function') return undefined;
  const peer = tls.getPeerCertificate(false);
  if (!peer?.raw) return undefined;
  const certificate = new X509Certificate(peer.raw);
  const names = subjectAltNames(certificate.subjectAltName);
  return {
    thumbprint: createHash('sha256').update(peer.raw).digest('base64url'),
    verified: tls.authorized === true,
    uris: names.filter((name) => name.type === 'URI').map((name) => name.value),
    dnsNames: names.filter((name) => name.type === 'DNS').map((name) => name.value),
  };
}

/**
 * Applies the gateway's mutual-TLS mode: `required` refuses a connection without a client
 * certificate; any mode refuses a certificate that did not verify against the CA bundle (the TLS
 * layer asks for one but lets the request through, so the refusal has a reason code and is audited).
 */
export function checkClientCertificate(
  mode: MtlsMode,
  presented: PresentedCertificate | undefined,
): PresentedCertificate | undefined {
  if (mode === 'off') return undefined;
  if (!presented) {
    if (mode === 'required') throw new ProblemError('certificate.required');
    return undefined;
  }
  if (!presented.verified) throw new ProblemError('certificate.untrusted');
  return presented;
}

/** The identity a service gets from its certificate: its URI SAN (e.g. SPIFFE), else its DNS SAN. */
export function certificateIdentity(certificate: PresentedCertificate): string | undefined {
  return certificate.uris[0] ?? certificate.dnsNames[0];
}

/**
 * Node writes SANs as `DNS:a.example, URI:spiffe://x`, JSON-quoting a value that holds a comma or
 * quote, so a crafted name cannot pass for two.
 */
function subjectAltNames(text: string | undefined): { type: string; value: string }[] {
  if (!text) return [];
  const names: { type: string; value: string }[] = [];
  const pattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  for (const match of text.matchAll(pattern)) {
    const raw = match[2];
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    names.push({ type: match[1], value });
  }
  return names;
}
