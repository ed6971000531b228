import { randomBytes } from 'node:crypto';
import type { Session } from '@fastify/secure-session';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Principal, TokenVerifier } from '@praesidium/access';
import type { AuditTrail } from '@praesidium/audit';
import type { PraesidiumConfig } from '@praesidium/config';
import { mintDemoToken, PERSONAS, type PersonaName } from '@praesidium/demo';
import type { KeyStore } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import { renderPage } from './console-page.js';
import type { ConsoleSignOuts } from './console-sign-outs.js';
import { OidcSignIn } from './oidc-sign-in.js';

/** A sign-in that does not come back within this time is abandoned. */
const SIGN_IN_WINDOW_MS = 10 * 60 * 1000;
const PUBLIC = { consolePublic: true } as const;

const personaForm = z.object({
  persona: z.enum(Object.keys(PERSONAS) as [PersonaName, ...PersonaName[]]),
  _csrf: z.string().optional(),
});

export interface AuthDeps {
  readonly config: PraesidiumConfig;
  readonly keyStore: KeyStore;
  readonly tokens: TokenVerifier;
  readonly signOuts: ConsoleSignOuts;
  readonly trail: AuditTrail;
}

/**
 * Sign-in and sign-out. Production signs in with OpenID Connect (authorization code + PKCE); the
 * persona picker exists only while the embedded demo runs and never with NODE_ENV=production. Either
 * way the session gets a token the API's own verifier accepted, and a fresh session (no fixation).
 */
export function registerAuthRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const { config } = deps;
  const oidc = config.console.oidc ? new OidcSignIn(config.console.oidc) : undefined;

  app.get('/sign-in', { config: PUBLIC }, async (request, reply) =>
    renderPage(request, reply, 'sign-in.hbs', {
      title: 'Sign in',
      oidc: oidc !== undefined,
      personas: config.console.personaPicker
        ? Object.entries(PERSONAS).map(([key, persona]) => ({
            key,
            name: persona.name,
            description: persona.description,
          }))
        : undefined,
    }),
  );

  if (config.console.personaPicker) {
    app.post('/sign-in/persona', { config: PUBLIC }, async (request, reply) => {
      const form = personaForm.safeParse(request.body);
      if (!form.success) throw new ProblemError('request.invalid', 'choose one of the demo personas');
      const token = await mintDemoToken(deps.keyStore, config, form.data.persona);
      startSession(request.session, token, await deps.tokens.verify(token));
      return reply.redirect('/console/', 303);
    });
  }

  if (oidc) {
    app.get('/auth/login', { config: PUBLIC }, async (request, reply) => {
      const start = await oidc.start();
      request.session.set('oidc', {
        verifier: start.verifier,
        state: start.state,
        nonce: start.nonce,
        startedAt: Date.now(),
      });
      return reply.redirect(start.url.href, 303);
    });

    app.get('/auth/callback', { config: PUBLIC }, async (request, reply) => {
      const pending = request.session.get('oidc');
      request.session.set('oidc', undefined);
      if (!pending || Date.now() - pending.startedAt > SIGN_IN_WINDOW_MS)
        throw new ProblemError('console.sign_in_failed', 'the sign-in expired or was not started here');
      let accessToken: string;
      try {
        ({ accessToken } = await oidc.finish(new URL(request.url, config.http.governanceUrl), pending));
      } catch {
        // The IdP's answer (error, state or nonce mismatch, bad ID token) is not echoed back.
        throw new ProblemError('console.sign_in_failed');
      }
      startSession(request.session, accessToken, await deps.tokens.verify(accessToken));
      return reply.redirect('/console/', 303);
    });
  }

  // The session's id is listed as signed out for every governance process, so a copy of the cookie
  // taken before is refused too; then the cookie is cleared in this browser. If the list cannot be
  // written, the page says so and the browser keeps the session, so that signing out can be tried
  // again: clearing only this browser's cookie would leave every copy valid, out of the user's reach.
  app.post('/sign-out', { config: PUBLIC }, async (request, reply) => {
    const user = request.consoleUser;
    const sessionId = request.session.get('sessionId');
    if (sessionId) {
      await deps.signOuts.signOut(sessionId, request.session.get('tokenExpiresAt')).catch(() => {
        throw new ProblemError('database.unavailable', 'the sign-out could not be recorded: sign out again');
      });
    }
    request.session.delete();
    request.consoleUser = null;
    if (user) {
      const { subject, issuer, roles } = user.principal;
      await deps.trail.append({
        action: 'console.signed_out',
        outcome: 'success',
        agent: { subject, issuer, roles },
        correlationId: request.id,
      });
    }
    return reply.redirect('/console/sign-in', 303);
  });

  app.get('/', async (request, reply) => {
    const user = request.consoleUser;
    if (!user) return reply.redirect('/console/sign-in', 303);
    return renderPage(request, reply, 'home.hbs', { title: 'Praesidium console' });
  });
}

/** A fresh session (no fixation) with its own id, by which signing out ends it everywhere. */
function startSession(session: Session, token: string, principal: Principal): void {
  session.regenerate();
  session.set('token', token);
  session.set('sessionId', randomBytes(32).toString('base64url'));
  session.set('tokenExpiresAt', principal.expiresAt);
}
