import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import {
  presentedCertificate,
  singleBearerToken,
  TokenVerifier,
  type ClientConnection,
  type Principal,
} from '@praesidium/access';
import { refuseBeforeBody } from '@praesidium/http';
import type { OpenSpan } from '@praesidium/telemetry';
import { markPipelineAudited } from './edge-refusal-auditor.js';
import { InferencePipeline, type AuthenticatedCaller } from './inference/inference-pipeline.service.js';

/** How a route's caller is authenticated: as an inference call of a protocol, or as feedback. */
export type CallerAuthentication = 'infer' | 'chat' | 'feedback';

interface AuthenticatedRouteConfig {
  readonly authenticateBeforeBody?: CallerAuthentication;
}

/** Marks a route that needs a token: its caller is authenticated from the headers, before its body. */
export const AuthenticateBeforeBody = (as: CallerAuthentication) =>
  RouteConfig({ authenticateBeforeBody: as } satisfies AuthenticatedRouteConfig);

/** Who the edge authenticated; an inference call also has its span. */
interface EdgeCaller {
  readonly principal: Principal;
  readonly connection?: ClientConnection;
  readonly span?: OpenSpan;
}

const CALLER = Symbol('praesidium.edgeCaller');
type EdgeRequest = FastifyRequest & { [CALLER]?: EdgeCaller };

/**
 * Every gateway route that takes a body needs a token (`@AuthenticateBeforeBody`), and its caller is
 * authenticated in `onRequest`, from the headers and the TLS connection, before a byte of the body is
 * read, decrypted or parsed: a caller without exactly one valid bearer token cannot make the gateway
 * read a body of up to a model's limit, nor keep the connection to drain one (refuseBeforeBody). An
 * inference call is authenticated by the pipeline's own step, which audits and counts its refusals;
 * feedback's refusals are audited as edge refusals. The principal verified here is the one the call
 * then uses: nothing verifies it again.
 */
export function authenticateBeforeBodies(app: NestFastifyApplication): void {
  const pipeline = app.get(InferencePipeline);
  const tokens = app.get(TokenVerifier);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    const as = (request.routeOptions.config as AuthenticatedRouteConfig | undefined)?.authenticateBeforeBody;
    if (as === undefined) return;
    const authorizationFields = request.raw.headersDistinct.authorization ?? [];
    const connection: ClientConnection = { certificate: presentedCertificate(request.raw.socket) };
    try {
      (request as EdgeRequest)[CALLER] =
        as === 'feedback'
          ? { principal: await tokens.verify(singleBearerToken(authorizationFields), connection), connection }
          : await pipeline.authenticate({
              protocol: as,
              modelName: (request.params as { name?: string }).name,
              authorizationFields,
              correlationId: String(request.id),
              remoteAddress: request.ip,
              connection,
            });
    } catch (error) {
      // The pipeline audited and counted its refusal: the edge auditor must not record it again.
      if (as !== 'feedback') markPipelineAudited(request);
      refuseBeforeBody(reply, error);
    }
  });
  // A call refused after authentication but before the pipeline ran (its body too large, not JSON,
  // not decryptable) still ends the span its authentication opened; the edge auditor records it.
  fastify.addHook('onResponse', (request, reply, done) => {
    (request as EdgeRequest)[CALLER]?.span?.end(reply.statusCode >= 400 ? new Error('refused') : undefined);
    done();
  });
}

/** The principal of a route marked `@AuthenticateBeforeBody`. */
export function authenticatedPrincipal(request: FastifyRequest): Principal {
  return edgeCaller(request).principal;
}

/** The caller of an inference route, as the pipeline takes it. */
export function authenticatedCaller(request: FastifyRequest): AuthenticatedCaller {
  const { principal, connection, span } = edgeCaller(request);
  if (!span) throw new Error('an inference route must be marked @AuthenticateBeforeBody("infer" | "chat")');
  return { principal, connection, span };
}

function edgeCaller(request: FastifyRequest): EdgeCaller {
  const caller = (request as EdgeRequest)[CALLER];
  // Only reachable for a route that takes a token but lacks the mark: a 500, never an unchecked call.
  if (!caller) throw new Error('the route is not marked @AuthenticateBeforeBody');
  return caller;
}
