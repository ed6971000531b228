import * as oidc from 'openid-client';
import type { PraesidiumConfig } from '@praesidium/config';

type OidcSettings = NonNullable<PraesidiumConfig['console']['oidc']>;

/** Where the browser goes to sign in, and what must come back with it. */
export interface AuthorizationStart {
  readonly url: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

/**
 * OpenID Connect authorization code flow with PKCE (RFC 7636, S256) at the configured issuer, through
 * `openid-client`: discovery, the authorization URL, and the code exchange with state, nonce and ID
 * token checks. Plain HTTP is accepted only for an issuer on the loopback interface (a local IdP).
 */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings) {}

  async start(): Promise<AuthorizationStart> {
    const configuration = await this.discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, verifier, state, nonce };
  }

  /** Exchanges the code of the callback URL; the access token is what the API will be called with. */
  async finish(
    callbackUrl: URL,
    expected: { verifier: string; state: string; nonce: string },
  ): Promise<{ accessToken: string }> {
    const configuration = await this.discover();
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: expected.verifier,
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      idTokenExpected: true,
    });
    return { accessToken: tokens.access_token };
  }

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= this.load().catch((error: unknown) => {
      this.configuration = undefined;
      throw error;
    });
    return this.configuration;
  }

  private async load(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    const { clientId, clientSecret } = this.settings;
    return oidc.discovery(
      issuer,
      clientId,
      undefined,
      clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
      isLoopback(issuer) && issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {},
    );
  }
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}
