// Explicit typing (RFC 8725 §3.11): each kind of JWS Praesidium signs carries its own `typ`, and each
// verifier states the one it accepts, so that a JWS of one kind, signed with a key that also signs
// another kind (the `audit-checkpoint` key signs checkpoints and archive manifests), is never taken
// for the other.

/** Why a JWS was refused; callers map each to their reason code. */
export type JwsFailure = 'malformed' | 'signature_invalid' | 'type_unexpected';

export class JwsError extends Error {
  constructor(
    readonly failure: JwsFailure,
    detail: string,
  ) {
    super(detail);
    this.name = 'JwsError';
  }
}

const MEDIA_TYPE_PREFIX = 'application/';

/**
 * A `typ` as RFC 7515 §4.1.9 compares it: media types are case-insensitive, and `application/` may be
 * left out when the rest has no other `/` (so `application/foo+jwt` and `FOO+JWT` are one type).
 */
export function normalizeJwsType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith(MEDIA_TYPE_PREFIX) && !lower.slice(MEDIA_TYPE_PREFIX.length).includes('/')
    ? lower.slice(MEDIA_TYPE_PREFIX.length)
    : lower;
}

/** Whether a header's `typ` (anything, as parsed) names the expected type; an absent `typ` never does. */
export function isJwsType(typ: unknown, expected: string): boolean {
  return typeof typ === 'string' && normalizeJwsType(typ) === normalizeJwsType(expected);
}

/** A `typ` as it may be quoted in a message: short and plain, else not at all (it is attacker-chosen). */
function quotable(typ: unknown): string {
  if (typ === undefined) return '(none)';
  return typeof typ === 'string' && /^[A-Za-z0-9.+/-]{1,64}$/.test(typ) ? typ : '(unreadable)';
}

/**
 * Refuses a compact JWS whose protected header does not carry the expected `typ`. A compact JWS has
 * no unprotected header, so the `typ` read here is the one its signature covers.
 */
export function checkJwsType(token: string, expected: string): void {
  const encoded = token.trim().split('.')[0] ?? '';
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new JwsError('malformed', 'the JWS header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new JwsError('malformed', 'the JWS header is not a JSON object');
  const typ = (header as Record<string, unknown>).typ;
  if (!isJwsType(typ, expected))
    throw new JwsError('type_unexpected', `JWS typ ${quotable(typ)}, expected ${expected}`);
}
