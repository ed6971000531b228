import { createHash } from 'node:crypto';
import type { ClaimMapping, MtlsMode } from '@praesidium/config';
import { DEFAULT_CLAIM_MAPPING } from '@praesidium/config';
import { JwsError } from '@praesidium/keys';
import { ProblemError, type ReasonCode } from '@praesidium/problem';
import { mapClaims, valueAt } from './claim-mapping.js';
import {
  certificateIdentity,
  checkClientCertificate,
  type PresentedCertificate,
} from './client-certificate.js';
import type { JwksSource } from './jwks-source.js';
import type { Principal } from './principal.js';

/** What one trusted issuer's tokens must satisfy. */
export interface TokenPolicy {
  readonly issuer: string;
  /** Accepted `aud` values: the token must name at least one. */
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
  /**
   * The JWS `typ` every token must carry (RFC 8725 §3.11): `at+jwt` for the demo issuer's access
   * tokens (RFC 9068), Praesidium's own type for gateway assertions. Unset for issuers that type all
   * their JWTs `JWT`; their tokens are then told apart by `aud` and the claims.
   */
  readonly typ?: string;
  readonly clockSkewSeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  /** Claims (dotted paths) every token must carry, beyond sub, exp and iat. */
  readonly requiredClaims?: readonly string[];
  /** RFC 8705: refuse tokens without `cnf.x5t#S256`. */
  readonly requireCertificateBound?: boolean;
  /** Where roles, departments, site, trainings… are read; Praesidium's own claim names by default. */
  readonly claims?: ClaimMapping;
}

/** An issuer the verifier trusts: its policy and where its keys come from. */
export interface TrustedIssuer {
  readonly policy: TokenPolicy;
  readonly keys: JwksSource;
}

export interface VerifierOptions {
  readonly now?: () => number;
  /** The gateway's mutual-TLS mode, applied to the connections given to `verify`. */
  readonly mtls?: MtlsMode;
  /**
   * Asked about every principal `verify` returns, cached token or not, after every check of the token:
   * throws to refuse the person behind a valid token (a suspension, `access.principal_suspended`).
   */
  readonly admit?: (principal: Principal) => Promise<void>;
}

/** The TLS connection a token arrived on. */
export interface ClientConnection {
  readonly certificate: PresentedCertificate | undefined;
}

export type VerifiedClaims = Record<string, unknown> & { sub: string; exp: number; iat: number };

interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  crit?: unknown;
}

interface VerifiedToken {
  readonly principal: Principal;
  readonly skew: number;
  /** The `cnf.x5t#S256` the token is bound to, if any (RFC 8705 §3). */
  readonly boundThumbprint: string | undefined;
}

const CACHE_LIMIT = 10_000;
/**
 * Header members that name a key. Keys come from the issuer configuration only: a token naming its
 * own key (`jwk`, `x5c`) or where to fetch one (`jku`, `x5u`) is refused before anything else, and
 * nothing is ever fetched from them.
 */
const KEY_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Verifies bearer JWTs from the trusted issuers. The token's `iss`, read from the still unverified
 * payload only to choose the issuer, must be one of them (else `token.issuer_untrusted`, before any
 * key is fetched); then that issuer's allow-listed algorithms only (never `none`, never HMAC with a
 * public key), the signature against its JWKS, iss, aud, exp, nbf, iat, the maximum lifetime with
 * bounded clock skew, the required claims, and certificate binding. Each refusal has its own reason
 * code. Verified tokens are cached by hash until they expire, so a repeat costs a hash and a map lookup.
 */
export class TokenVerifier {
  private readonly issuers: ReadonlyMap<string, TrustedIssuer>;
  private readonly verified = new Map<string, VerifiedToken>();
  private readonly now: () => number;
  private readonly mtls: MtlsMode;
  private readonly admit: ((principal: Principal) => Promise<void>) | undefined;

  /** One issuer (the gateway assertions a model server checks). */
  constructor(policy: TokenPolicy, keys: JwksSource, now?: () => number);
  /** Several trusted issuers, chosen by the token's `iss`. */
  constructor(issuers: readonly TrustedIssuer[], options?: VerifierOptions);
  constructor(
    first: TokenPolicy | readonly TrustedIssuer[],
    second?: JwksSource | VerifierOptions,
    third?: () => number,
  ) {
    const issuers = isIssuerList(first) ? first : [{ policy: first, keys: second as JwksSource }];
    this.issuers = new Map(issuers.map((issuer) => [issuer.policy.issuer, issuer]));
    const options: VerifierOptions = isIssuerList(first)
      ? ((second as VerifierOptions) ?? {})
      : { now: third };
    this.now = options.now ?? (() => Date.now());
    this.mtls = options.mtls ?? 'off';
    this.admit = options.admit;
  }

  /**
   * The Principal of a bearer token. With a `connection` (the gateway's), the mutual-TLS mode is
   * applied to its client certificate first, and a bound token must come with exactly that certificate.
   * Then the person must be admitted (`VerifierOptions.admit`): a suspension counts on every call,
   * whatever the token and however long it has been cached.
   */
  async verify(token: string, connection?: ClientConnection): Promise<Principal> {
    const certificate = connection ? checkClientCertificate(this.mtls, connection.certificate) : undefined;
    const cacheKey = createHash('sha256').update(token).digest('base64url');
    let entry = this.verified.get(cacheKey);
    if (entry && this.nowSeconds() >= entry.principal.expiresAt + entry.skew) {
      this.verified.delete(cacheKey);
      entry = undefined;
    }
    if (!entry) {
      entry = await this.verifyToken(token);
      if (this.verified.size >= CACHE_LIMIT)
        this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(cacheKey, entry);
    }
    checkBinding(entry.boundThumbprint, certificate);
    const principal = certificate ? withCertificate(entry.principal, certificate) : entry.principal;
    await this.admit?.(principal);
    return principal;
  }

  /** Signature and registered claims only, uncached: for one-time assertions. */
  async verifyClaims(token: string): Promise<VerifiedClaims> {
    return (await this.verifySigned(token)).claims;
  }

  private async verifyToken(token: string): Promise<VerifiedToken> {
    const { claims, policy } = await this.verifySigned(token);
    const identity = mapClaims(claims, policy.claims ?? DEFAULT_CLAIM_MAPPING);
    if (identity.roles.length === 0) throw new ProblemError('token.roles_missing');
    return {
      principal: { subject: claims.sub, issuer: policy.issuer, ...identity, expiresAt: claims.exp },
      skew: policy.clockSkewSeconds,
      boundThumbprint: boundThumbprint(claims),
    };
  }

  private async verifySigned(token: string): Promise<{ claims: VerifiedClaims; policy: TokenPolicy }> {
    const { header, unverifiedClaims } = decode(token);
    const issuer =
      typeof unverifiedClaims.iss === 'string' ? this.issuers.get(unverifiedClaims.iss) : undefined;
    if (!issuer) throw new ProblemError('token.issuer_untrusted');
    const { policy } = issuer;
    if (typeof header.alg !== 'string' || !policy.algorithms.includes(header.alg)) {
      throw new ProblemError('token.algorithm_forbidden');
    }
    let keys = await issuer.keys.current();
    if (typeof header.kid === 'string' && !keys.kids.has(header.kid)) keys = await issuer.keys.refresh();
    let payload: Uint8Array;
    try {
      payload = await keys.verify(token, { algorithms: policy.algorithms, expectedTyp: policy.typ });
    } catch (error) {
      if (error instanceof JwsError && error.failure === 'type_unexpected')
        throw new ProblemError('token.type_unexpected');
      throw new ProblemError('token.signature_invalid');
    }
    return { claims: this.checkClaims(parseObject(Buffer.from(payload).toString('utf8')), policy), policy };
  }

  private checkClaims(claims: Record<string, unknown>, policy: TokenPolicy): VerifiedClaims {
    const now = this.nowSeconds();
    const skew = policy.clockSkewSeconds;
    if (claims.iss !== policy.issuer) throw new ProblemError('token.issuer_untrusted');
    const accepted: readonly string[] =
      typeof policy.audience === 'string' ? [policy.audience] : policy.audience;
    const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((audience) => typeof audience === 'string' && accepted.includes(audience)))
      throw new ProblemError('token.audience_mismatch');
    const { exp, nbf, iat, sub } = claims;
    if (typeof exp !== 'number' || typeof iat !== 'number')
      fail('token.claims_invalid', 'exp and iat are required');
    if (now >= exp + skew) throw new ProblemError('token.expired');
    if ((typeof nbf === 'number' && now + skew < nbf) || now + skew < iat)
      throw new ProblemError('token.not_yet_valid');
    if (exp - iat > policy.maxTokenLifetimeSeconds) throw new ProblemError('token.lifetime_too_long');
    if (typeof sub !== 'string' || sub.length === 0) fail('token.claims_invalid', 'sub is required');
    for (const required of policy.requiredClaims ?? []) {
      const value = valueAt(claims, required);
      if (value === undefined || value === null || value === '')
        fail('token.claims_invalid', `the claim ${required} is required`);
    }
    const verified = { ...claims, sub, exp, iat };
    if (policy.requireCertificateBound && boundThumbprint(verified) === undefined)
      throw new ProblemError('token.binding_required');
    return verified;
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

function isIssuerList(value: TokenPolicy | readonly TrustedIssuer[]): value is readonly TrustedIssuer[] {
  return Array.isArray(value);
}

/** RFC 8705 §3.1: `cnf.x5t#S256`, the base64url SHA-256 of the certificate the token is bound to. */
function boundThumbprint(claims: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(claims, 'cnf')) return undefined;
  const thumbprint = valueAt(claims, ['cnf', 'x5t#S256']);
  if (typeof thumbprint !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(thumbprint))
    fail('token.claims_invalid', 'cnf must carry an x5t#S256 thumbprint');
  return thumbprint;
}

function checkBinding(bound: string | undefined, certificate: PresentedCertificate | undefined): void {
  if (bound === undefined) return;
  if (!certificate) throw new ProblemError('token.certificate_required');
  if (certificate.thumbprint !== bound) throw new ProblemError('token.certificate_mismatch');
}

/** The principal as seen on this connection: a service takes its client identity from the certificate SAN. */
function withCertificate(principal: Principal, certificate: PresentedCertificate): Principal {
  const sanIdentity = principal.roles.includes('service') ? certificateIdentity(certificate) : undefined;
  return {
    ...principal,
    certificateThumbprint: certificate.thumbprint,
    ...(sanIdentity !== undefined ? { clientId: sanIdentity } : {}),
  };
}

function fail(code: ReasonCode, detail: string): never {
  throw new ProblemError(code, detail);
}

/** Header and payload, unverified: the header to refuse early, the payload only to choose the issuer. */
function decode(token: string): { header: JwtHeader; unverifiedClaims: Record<string, unknown> } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) {
    throw new ProblemError('token.malformed');
  }
  const header = parseObject(Buffer.from(parts[0], 'base64url').toString('utf8')) as JwtHeader;
  if (KEY_HEADERS.some((name) => Object.hasOwn(header, name)))
    throw new ProblemError('token.header_forbidden');
  // RFC 7515 4.1.11: a critical extension we do not understand makes the token invalid.
  if (header.crit !== undefined) throw new ProblemError('token.malformed', 'unsupported critical header');
  return { header, unverifiedClaims: parseObject(Buffer.from(parts[1], 'base64url').toString('utf8')) };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProblemError('token.malformed');
}
