import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  GATEWAY_ASSERTION_ISSUER,
  RemoteJwksSource,
  requestBearerToken,
  TokenVerifier,
} from '@praesidium/access';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { sha256Hex } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';

/**
 * Admits only calls that came through the gateway: a short-lived assertion signed with the
 * gateway's key, for this model, bound to the exact request body by its SHA-256.
 */
@Injectable()
export class GatewayAssertionGuard implements CanActivate {
  private readonly verifiers = new Map<string, TokenVerifier>();
  private readonly keys: RemoteJwksSource;
  private readonly joseOnly: boolean;

  constructor(@Inject(CONFIG) config: PraesidiumConfig) {
    this.keys = new RemoteJwksSource(config.gateway.jwksUrl, 5_000);
    this.joseOnly = config.sampleModel.keyFile !== undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    // A model that registered an encryption key takes nothing in clear (see jose-bodies.ts).
    if (this.joseOnly && !String(request.headers['content-type']).startsWith('application/jose'))
      throw new ProblemError('request.unsupported_media_type', 'this model takes JWE bodies only');
    let assertion: string;
    try {
      assertion = requestBearerToken(request.raw);
    } catch {
      throw new ProblemError('assertion.missing');
    }
    const modelName = (request.params as { name?: string }).name ?? '';
    const claims = await this.verifierFor(modelName)
      .verifyClaims(assertion)
      .catch((error: unknown) => {
        if (error instanceof ProblemError && error.code === 'token.keys_unavailable') throw error;
        throw new ProblemError('assertion.invalid');
      });
    if (claims.body_sha256 !== sha256Hex(request.rawBody ?? Buffer.alloc(0))) {
      throw new ProblemError('assertion.invalid', 'the assertion does not match the request body');
    }
    return true;
  }

  private verifierFor(modelName: string): TokenVerifier {
    let verifier = this.verifiers.get(modelName);
    if (!verifier) {
      verifier = new TokenVerifier(
        {
          issuer: GATEWAY_ASSERTION_ISSUER,
          audience: modelName,
          algorithms: ['ES256'],
          clockSkewSeconds: 5,
          maxTokenLifetimeSeconds: 60,
        },
        this.keys,
      );
      this.verifiers.set(modelName, verifier);
    }
    return verifier;
  }
}
