import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export interface MetricsAccessPolicy {
  /** PRAESIDIUM_GATEWAY_METRICS_TOKEN: the scraper's bearer token, if one is configured. */
  readonly token: string | undefined;
  readonly isProduction: boolean;
}

/**
 * Who may read `/metrics`: with a token configured, whoever sends it; without one, loopback callers
 * (a local agent) outside production only. In production a loopback address proves nothing (a
 * same-host reverse proxy or sidecar relays every caller from it), so there the token is required.
 */
export function mayReadMetrics(
  policy: MetricsAccessPolicy,
  caller: { readonly authorization: string | undefined; readonly remoteAddress: string | undefined },
): boolean {
  if (policy.token === undefined) return !policy.isProduction && isLoopback(caller.remoteAddress ?? '');
  const given = Buffer.from(caller.authorization ?? '');
  const expected = Buffer.from(`Bearer ${policy.token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return (isIP(plain) === 4 && plain.startsWith('127.')) || plain === '::1';
}
