import { readFile } from 'node:fs/promises';
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
      const response = await fetch(this.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await verificationKeys((await response.json()) as Jwks);
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

/** The issuer's key source as configured: a static file for air-gapped sites, else the JWKS URL. */
export function jwksSourceFor(auth: { jwksUrl?: string; jwksFile?: string }): JwksSource {
  if (auth.jwksFile) return new FileJwksSource(auth.jwksFile);
  if (auth.jwksUrl) return new RemoteJwksSource(auth.jwksUrl);
  throw new Error('PRAESIDIUM_AUTH_JWKS_URL or PRAESIDIUM_AUTH_JWKS_FILE must name the issuer keys');
}
