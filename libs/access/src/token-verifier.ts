import { createHash } from 'node:crypto';
import { ProblemError, type ReasonCode } from '@praesidium/problem';
import type { JwksSource } from './jwks-source.js';
import { ROLES, type Principal, type Role } from './principal.js';

export interface TokenPolicy {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly clockSkewSeconds: number;
  readonly maxTokenLifetimeSeconds: number;
}

interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  crit?: unknown;
}

const CACHE_LIMIT = 10_000;

/**
 * Verifies bearer JWTs from the configured issuer: allow-listed algorithms only (never `none`, never
 * HMAC with a public key), signature against the issuer's JWKS, then iss, aud, exp, nbf, iat and the
 * maximum lifetime with bounded clock skew. Each refusal has its own reason code. Verified tokens are
 * cached by hash until they expire, so a repeat costs a hash and a map lookup.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, Principal>();

  constructor(
    private readonly policy: TokenPolicy,
    private readonly keys: JwksSource,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async verify(token: string): Promise<Principal> {
    const cacheKey = createHash('sha256').update(token).digest('base64url');
    const cached = this.verified.get(cacheKey);
    if (cached) {
      if (this.nowSeconds() < cached.expiresAt + this.policy.clockSkewSeconds) return cached;
      this.verified.delete(cacheKey);
    }
    const principal = toPrincipal(await this.verifyClaims(token), this.policy.issuer);
    if (this.verified.size >= CACHE_LIMIT) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(cacheKey, principal);
    return principal;
  }

  /** Signature and registered claims only, uncached: for one-time assertions. */
  async verifyClaims(token: string): Promise<VerifiedClaims> {
    const header = decodeHeader(token);
    if (typeof header.alg !== 'string' || !this.policy.algorithms.includes(header.alg)) {
      throw new ProblemError('token.algorithm_forbidden');
    }
    // RFC 7515 4.1.11: a critical extension we do not understand makes the token invalid.
    if (header.crit !== undefined) throw new ProblemError('token.malformed', 'unsupported critical header');
    let keys = await this.keys.current();
    if (typeof header.kid === 'string' && !keys.kids.has(header.kid)) keys = await this.keys.refresh();
    let payload: Uint8Array;
    try {
      payload = await keys.verify(token, this.policy.algorithms);
    } catch {
      throw new ProblemError('token.signature_invalid');
    }
    return this.checkClaims(parseJson(payload));
  }

  private checkClaims(claims: Record<string, unknown>): VerifiedClaims {
    const now = this.nowSeconds();
    const skew = this.policy.clockSkewSeconds;
    if (claims.iss !== this.policy.issuer) throw new ProblemError('token.issuer_untrusted');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.policy.audience)) throw new ProblemError('token.audience_mismatch');
    const { exp, nbf, iat, sub } = claims;
    if (typeof exp !== 'number' || typeof iat !== 'number')
      fail('token.claims_invalid', 'exp and iat are required');
    if (now >= exp + skew) throw new ProblemError('token.expired');
    if ((typeof nbf === 'number' && now + skew < nbf) || now + skew < iat)
      throw new ProblemError('token.not_yet_valid');
    if (exp - iat > this.policy.maxTokenLifetimeSeconds) throw new ProblemError('token.lifetime_too_long');
    if (typeof sub !== 'string' || sub.length === 0) fail('token.claims_invalid', 'sub is required');
    return { ...claims, sub, exp, iat };
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

export type VerifiedClaims = Record<string, unknown> & { sub: string; exp: number; iat: number };

function toPrincipal(claims: VerifiedClaims, issuer: string): Principal {
  return {
    subject: claims.sub,
    issuer,
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    roles: stringList(claims.roles).filter((role): role is Role =>
      (ROLES as readonly string[]).includes(role),
    ),
    departments: stringList(claims.department ?? claims.departments),
    ...(typeof claims.site === 'string' ? { site: claims.site } : {}),
    trainings: stringList(claims.trainings),
    expiresAt: claims.exp,
  };
}

function fail(code: ReasonCode, detail: string): never {
  throw new ProblemError(code, detail);
}

function decodeHeader(token: string): JwtHeader {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) {
    throw new ProblemError('token.malformed');
  }
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      throw new Error('not an object');
    return header;
  } catch {
    throw new ProblemError('token.malformed');
  }
}

function parseJson(payload: Uint8Array): Record<string, unknown> {
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
    if (typeof claims === 'object' && claims !== null && !Array.isArray(claims))
      return claims as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProblemError('token.malformed');
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
