import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { verificationKeys, type Jwks, type VerificationKeys } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';

/** Where an issuer's verification keys come from. */
export interface JwksSource {
  current(): Promise<VerificationKeys>;
  /** Called on an unknown `kid`: refetches, at most once per `minRefreshMs`. */
  refresh(): Promise<VerificationKeys>;
}

const FETCH_TIMEOUT_MS = 3000;

/** A JWKS fetched over HTTPS (or HTTP on loopback) and cached; rotation needs no restart. */
export class RemoteJwksSource implements JwksSource {
  private keys: Promise<VerificationKeys> | undefined;
  private fetchedAt = 0;

  constructor(
    private readonly url: string,
    private readonly minRefreshMs = 30_000,
  ) {}

  current(): Promise<VerificationKeys> {
    this.keys ??= this.fetchKeys();
    return this.keys;
  }

  refresh(): Promise<VerificationKeys> {
    if (Date.now() - this.fetchedAt < this.minRefreshMs && this.keys) return this.keys;
    this.keys = this.fetchKeys();
    return this.keys;
  }

  private async fetchKeys(): Promise<VerificationKeys> {
    this.fetchedAt = Date.now();
    try {
      return await verificationKeys((await fetchJson(this.url)) as Jwks);
    } catch {
      // Fail closed, and let the next request try again rather than caching the outage.
      this.keys = undefined;
      this.fetchedAt = 0;
      throw new ProblemError('token.keys_unavailable');
    }
  }
}

/** A static JWKS file, for air-gapped sites. */
export class FileJwksSource implements JwksSource {
  private keys: Promise<VerificationKeys> | undefined;

  constructor(private readonly file: string) {}

  current(): Promise<VerificationKeys> {
    this.keys ??= readFile(this.file, 'utf8').then((text) => verificationKeys(JSON.parse(text) as Jwks));
    return this.keys;
  }

  refresh(): Promise<VerificationKeys> {
    return this.current();
  }
}

/** Keys already in memory (the platform's own issuer, and tests). */
export class StaticJwksSource implements JwksSource {
  private readonly keys: Promise<VerificationKeys>;

  constructor(jwks: Jwks) {
    this.keys = verificationKeys(jwks);
  }

  current(): Promise<VerificationKeys> {
    return this.keys;
  }

  refresh(): Promise<VerificationKeys> {
    return this.keys;
  }
}

/**
 * An issuer's keys found through OpenID Connect Discovery: `<issuer>/.well-known/openid-configuration`
 * must name exactly the configured issuer (OIDC Discovery 1.0 §4.3, so a document served for another
 * issuer cannot lend its keys), and its `jwks_uri` is fetched. A refresh (an unknown `kid`) repeats
 * both, at most once per `minRefreshMs`, so an IdP that rotates keys or moves its JWKS needs no restart.
 */
export class DiscoveryJwksSource implements JwksSource {
  private keys: Promise<VerificationKeys> | undefined;
  private fetchedAt = 0;

  constructor(
    private readonly issuer: string,
    private readonly minRefreshMs = 30_000,
  ) {}

  current(): Promise<VerificationKeys> {
    this.keys ??= this.discover();
    return this.keys;
  }

  refresh(): Promise<VerificationKeys> {
    if (Date.now() - this.fetchedAt < this.minRefreshMs && this.keys) return this.keys;
    this.keys = this.discover();
    return this.keys;
  }

  private async discover(): Promise<VerificationKeys> {
    this.fetchedAt = Date.now();
    try {
      const document = await fetchJson(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
      const { issuer, jwks_uri: jwksUri } = document as { issuer?: unknown; jwks_uri?: unknown };
      if (issuer !== this.issuer) throw new ProblemError('token.discovery_invalid');
      // No downgrade: an issuer served over HTTPS publishes its keys over HTTPS too.
      const scheme = this.issuer.startsWith('https://') ? /^https:\/\// : /^https?:\/\//;
      if (typeof jwksUri !== 'string' || !scheme.test(jwksUri))
        throw new ProblemError('token.discovery_invalid', 'the discovery document has no usable jwks_uri');
      return await verificationKeys((await fetchJson(jwksUri)) as Jwks);
    } catch (error) {
      this.keys = undefined;
      this.fetchedAt = 0;
      if (error instanceof ProblemError) throw error;
      throw new ProblemError('token.keys_unavailable');
    }
  }
}

/**
 * A JSON document over HTTP(S) with a timeout; a non-2xx answer (redirects are not followed) or a body
 * that is not JSON throws.
 */
async function fetchJson(url: string): Promise<unknown> {
  const response = await request(url, {
    headersTimeout: FETCH_TIMEOUT_MS,
    bodyTimeout: FETCH_TIMEOUT_MS,
  });
  if (response.statusCode < 200 || response.statusCode >= 300) {
    await response.body.dump();
    throw new Error(`HTTP ${response.statusCode}`);
  }
  return response.body.json();
}

/** What names an issuer's keys: discovery, a JWKS URL, or a static file for air-gapped sites. */
export interface KeySourceConfig {
  readonly issuer?: string;
  readonly discovery?: boolean;
  readonly jwksUrl?: string;
  readonly jwksFile?: string;
  readonly jwksMinRefreshSeconds?: number;
}

/** The issuer's key source as configured. */
export function jwksSourceFor(config: KeySourceConfig): JwksSource {
  const minRefreshMs = (config.jwksMinRefreshSeconds ?? 30) * 1000;
  if (config.jwksFile) return new FileJwksSource(config.jwksFile);
  if (config.discovery && config.issuer) return new DiscoveryJwksSource(config.issuer, minRefreshMs);
  if (config.jwksUrl) return new RemoteJwksSource(config.jwksUrl, minRefreshMs);
  throw new Error('an issuer needs discovery, a JWKS URL or a JWKS file to name its keys');
}
