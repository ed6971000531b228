import type { AppAbility, Principal } from '@praesidium/access';
import type { ConsoleApi } from './console-api.js';

/** What the console keeps in its encrypted session cookie: the user's token and sign-in state only. */
export interface ConsoleSessionData {
  /** The bearer token every API call of this user carries (demo issuer or the OIDC access token). */
  token: string;
  /**
   * The session's random id, made at sign-in: signing out lists it as signed out for every governance
   * process (ConsoleSignOuts), so a copy of the cookie taken before is refused afterwards.
   */
  sessionId: string;
  /** When the session's token expires (seconds since the epoch): how long its sign-out must be kept. */
  tokenExpiresAt: number;
  /** An OpenID Connect sign-in in progress: PKCE verifier, state and nonce (RFC 7636, OIDC Core 3.1.2). */
  oidc: { verifier: string; state: string; nonce: string; startedAt: number };
  /** One message for the next page (post/redirect/get). */
  flash: { kind: 'success' | 'problem'; text: string; code?: string };
  /** The CSRF secret of @fastify/csrf-protection. */
  _csrf: string;
}

declare module '@fastify/secure-session' {
  // Augments the plugin's session typing (declaration merging needs an interface).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface SessionData extends ConsoleSessionData {}
}

/** The signed-in user of a console request, as the API will see them. */
export interface ConsoleUser {
  readonly principal: Principal;
  readonly ability: AppAbility;
  readonly api: ConsoleApi;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser: ConsoleUser | null;
  }
  interface FastifyContextConfig {
    /** A console page reachable without signing in (sign-in pages, assets). */
    consolePublic?: boolean;
  }
}
