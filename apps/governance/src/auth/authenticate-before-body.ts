import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { requestBearerToken, TokenVerifier, type Principal } from '@praesidium/access';
import { announcesBody, refuseBeforeBody } from '@praesidium/http';
import { ProblemError } from '@praesidium/problem';

const VERIFIED = Symbol('praesidium.principalBeforeBody');
type VerifiedRequest = FastifyRequest & { [VERIFIED]?: Principal };

/**
 * Every governance API route that takes a body is guarded by PrincipalGuard, but a guard runs only
 * once the body is read and parsed (up to 16 MiB of JSON, or an evaluation upload's 64 MiB). So a
 * request announcing a body is authenticated here first, from its headers: without a valid bearer
 * token it is refused (the token's own reason code, as the guard would answer) before a byte of the
 * body is read, and its connection is closed rather than drained. The guard then takes the principal
 * verified here instead of verifying again. A body sent to no route is refused from the headers too
 * (404): Fastify would otherwise read it for its 404 answer. The console answers for its own paths:
 * it authenticates from its session, also before any body (console.plugin.ts).
 */
export function authenticateBeforeBodies(app: NestFastifyApplication): void {
  const tokens = app.get(TokenVerifier);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    if (!announcesBody(request) || isConsolePath(request)) return;
    try {
      if (request.is404) throw new ProblemError('request.not_found');
      (request as VerifiedRequest)[VERIFIED] = await tokens.verify(requestBearerToken(request.raw));
    } catch (error) {
      refuseBeforeBody(reply, error);
    }
  });
}

/** The principal verified before the request's body was read, if it announced one. */
export function principalVerifiedBeforeBody(request: FastifyRequest): Principal | undefined {
  return (request as VerifiedRequest)[VERIFIED];
}

/** A path under the console's prefix, routed or not: the console's own hooks and pages answer it. */
function isConsolePath(request: FastifyRequest): boolean {
  const path = request.routeOptions.url ?? request.url.split('?')[0];
  return path === '/console' || path.startsWith('/console/');
}
