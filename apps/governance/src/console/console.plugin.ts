import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySecureSession from '@fastify/secure-session';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { PolicyStore, PrincipalSuspendedError, TokenVerifier, type Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import type { PraesidiumConfig } from '@praesidium/config';
import { refuseBeforeBody } from '@praesidium/http';
import type { KeyStore } from '@praesidium/keys';
import { ProblemError, type ProblemDocument, toProblemDocument } from '@praesidium/problem';
import { ApiProblem, ConsoleApi } from './console-api.js';
import { registerAuthRoutes } from './console-auth.routes.js';
import { readableProblem, renderPage } from './console-page.js';
import './console-session.js';
import { ConsoleSignOuts } from './console-sign-outs.js';
import { registerViewHelpers } from './view-helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** `__Host-`: Secure, Path=/, no Domain, so no sibling host can set or read it (RFC 6265bis 4.1.3.2). */
export const SESSION_COOKIE = '__Host-praesidium-console';

export interface ConsoleDeps {
  readonly config: PraesidiumConfig;
  readonly keyStore: KeyStore;
}

/** Registers the page groups of the console; each adds its routes and its navigation entries. */
export type ConsolePages = (
  app: FastifyInstance,
  nest: NestFastifyApplication,
  config: PraesidiumConfig,
) => void;

const logger = new Logger('Console');

/**
 * The governance web console under `/console`: server-rendered Handlebars pages in their own Fastify
 * context, so its cookie session, CSRF checks, Content-Security-Policy and HTML error pages never touch
 * the JSON API next to it. Pages reach the domain only through the API (see ConsoleApi).
 */
export async function registerConsole(
  nest: NestFastifyApplication,
  deps: ConsoleDeps,
  pages: readonly ConsolePages[],
): Promise<void> {
  const tokens = nest.get(TokenVerifier);
  const policies = nest.get(PolicyStore);
  await nest.register(
    async (app: FastifyInstance) => {
      await registerSecurity(app, deps);
      const handlebars = Handlebars.create();
      registerViewHelpers(handlebars);
      await app.register(fastifyView, {
        engine: { handlebars },
        root: path.join(HERE, 'views'),
        layout: 'layout.hbs',
        viewExt: 'hbs',
        includeViewExtension: false,
        production: deps.config.env !== 'development',
        options: { partials: await partials() },
      });
      await app.register(fastifyStatic, {
        root: path.join(HERE, 'assets'),
        prefix: '/assets/',
        cacheControl: false,
        etag: true,
      });
      app.decorateRequest('consoleUser', null);
      const signOuts = nest.get(ConsoleSignOuts);
      // Deny by default: every console route needs a verified user unless it says it is public.
      app.addHook('onRequest', async (request, reply) => {
        request.consoleUser = null;
        // Assets need no user: no token check, no database read for each stylesheet and script.
        if (!isAsset(request)) {
          const principal = await signedInPrincipal(request, tokens, signOuts);
          const token = request.session.get('token');
          if (principal && token)
            request.consoleUser = {
              principal,
              ability: policies.abilityFor(principal),
              api: new ConsoleApi(nest, token, request.id),
            };
        }
        if (request.consoleUser || isPublic(request)) return;
        if (request.method === 'GET' || request.method === 'HEAD')
          return reply.redirect('/console/sign-in', 303);
        // From the headers: the connection is closed rather than drained of a body nobody reads.
        refuseBeforeBody(reply, new ProblemError('console.sign_in_required'));
      });
      app.setErrorHandler((error, request, reply) => renderError(error as FastifyError, request, reply));
      app.setNotFoundHandler((request, reply) =>
        renderError(new ProblemError('request.not_found'), request, reply),
      );
      registerAuthRoutes(app, {
        config: deps.config,
        keyStore: deps.keyStore,
        tokens,
        signOuts,
        trail: nest.get(AuditTrail),
      });
      for (const register of pages) register(app, nest, deps.config);
    },
    { prefix: '/console' },
  );
}

async function registerSecurity(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const https = deps.config.http.governanceUrl.startsWith('https:');
  await app.register(fastifyHelmet, {
    // No inline script or style anywhere: pages load /console/assets/console.{css,js} only.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  const secret = deps.keyStore.current('console-session').k;
  if (typeof secret !== 'string') throw new Error('the console-session key has no key material');
  await app.register(fastifySecureSession, {
    key: Buffer.from(
      hkdfSync('sha256', Buffer.from(secret, 'base64url'), Buffer.alloc(0), 'praesidium console session', 32),
    ),
    cookieName: SESSION_COOKIE,
    expiry: deps.config.auth.maxTokenLifetimeSeconds,
    cookie: {
      path: '/',
      httpOnly: true,
      secure: true,
      // Lax, not Strict: the OpenID provider's redirect back to /console/auth/callback is a cross-site
      // navigation that must carry the PKCE verifier. Every state change is a POST with a CSRF token.
      sameSite: 'lax',
      maxAge: deps.config.auth.maxTokenLifetimeSeconds,
    },
  });
  // HTML forms post application/x-www-form-urlencoded; the API next door stays JSON only.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/secure-session',
    getToken: (request) => formToken(request.body) ?? headerToken(request.headers['x-csrf-token']),
  });
  // Every state-changing console route checks the form's CSRF token, whoever adds the route.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((method) => ['GET', 'HEAD', 'OPTIONS'].includes(method))) return;
    const existing = route.preHandler ? [route.preHandler].flat() : [];
    route.preHandler = [app.csrfProtection.bind(app), ...existing];
  });
}

function isPublic(request: FastifyRequest): boolean {
  return request.routeOptions.config.consolePublic === true || isAsset(request);
}

function isAsset(request: FastifyRequest): boolean {
  return request.url.startsWith('/console/assets/');
}

/**
 * The user of the request's session: its token still verifies, its holder is not suspended, and its
 * id was not signed out on any governance process. A session that fails any is deleted; a suspended
 * user is told why (`access.principal_suspended`) instead of being sent to sign in again. One that
 * cannot be checked (the database, the issuer's keys or the suspension list do not answer) is
 * refused but kept, so that it works again once they do: a public page goes on without a user, any
 * other request is answered with the reason (`database.unavailable`, …).
 */
async function signedInPrincipal(
  request: FastifyRequest,
  tokens: TokenVerifier,
  signOuts: ConsoleSignOuts,
): Promise<Principal | null> {
  const token = request.session.get('token');
  if (!token) return null;
  // A session without an id (made before sign-outs were recorded) could never be ended: refused.
  const sessionId = request.session.get('sessionId');
  let principal: Principal | null;
  try {
    principal = sessionId ? await tokens.verify(token) : null;
  } catch (error) {
    const unanswered = error instanceof ProblemError && error.status >= 500;
    if (!unanswered) request.session.delete();
    if (isPublic(request)) return null;
    if (unanswered || error instanceof PrincipalSuspendedError) throw error;
    return null;
  }
  if (!principal || !sessionId) {
    request.session.delete();
    return null;
  }
  let signedOut: boolean;
  try {
    signedOut = await signOuts.isSignedOut(sessionId);
  } catch (error) {
    logger.warn(`console session not checked: ${(error as Error).name}; refused`);
    if (isPublic(request)) return null;
    throw new ProblemError('database.unavailable');
  }
  if (!signedOut) return principal;
  request.session.delete();
  return null;
}

function formToken(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const field = (body as Record<string, unknown>)._csrf;
  if (typeof field === 'string') return field;
  // multipart forms (@fastify/multipart attachFieldsToBody) carry fields as { value }
  const value = (field as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' ? value : undefined;
}

function headerToken(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The problem behind an error, as the API would answer it (a 5xx says nothing of its cause). */
function problemOf(error: unknown, correlationId: string): ProblemDocument {
  if (error instanceof ApiProblem) return error.problem;
  if (error instanceof ProblemError) return toProblemDocument(error, correlationId);
  // A path or query a page's schema refuses (`schema.parse`): the visitor's mistake, not ours.
  if (error instanceof z.ZodError)
    return toProblemDocument(new ProblemError('request.invalid'), correlationId);
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET')
    return toProblemDocument(new ProblemError('console.csrf_invalid'), correlationId);
  const status = (error as { statusCode?: unknown }).statusCode;
  if (status === 413) return toProblemDocument(new ProblemError('request.too_large'), correlationId);
  if (status === 415)
    return toProblemDocument(new ProblemError('request.unsupported_media_type'), correlationId);
  if (typeof status === 'number' && status >= 400 && status < 500)
    return toProblemDocument(new ProblemError('request.invalid'), correlationId);
  logger.error(`internal.error correlationId=${correlationId} cause=${(error as Error).name}`);
  return toProblemDocument(new ProblemError('internal.error'), correlationId);
}

/** Errors as pages: the problem's title, its code and correlation id, never a stack or an identifier. */
async function renderError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const problem = problemOf(error, request.id);
  return renderPage(
    request,
    reply,
    'error.hbs',
    { title: problem.title, problem: readableProblem({ ...problem, correlationId: request.id }) },
    problem.status,
  );
}

async function partials(): Promise<Record<string, string>> {
  const { readdir } = await import('node:fs/promises');
  const names = await readdir(path.join(HERE, 'views', 'partials'));
  return Object.fromEntries(
    names
      .filter((name) => name.endsWith('.hbs'))
      .map((name) => [path.basename(name, '.hbs'), path.join('partials', name)]),
  );
}
