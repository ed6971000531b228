import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  GATEWAY_ASSERTION_ISSUER,
  GATEWAY_ASSERTION_JWS_TYPE,
  RemoteJwksSource,
  requestBearerToken,
  TokenVerifier,
} from '@praesidium/access';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { sha256Hex } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import { LruMap } from './lru-map.js';
import { SeenAssertions } from './seen-assertions.js';

/** Model names whose verifiers are kept; the model name comes from the URL, so anyone can send more. */
export const VERIFIER_CACHE_SIZE = 256;
/** The gateway's assertions live 30 s; allow a little clock difference between the two machines. */
const CLOCK_SKEW_SECONDS = 5;
const MAX_LIFETIME_SECONDS = 60;

/**
 * Admits only calls that came through the gateway: a short-lived assertion signed with the
 * gateway's key, typed as one (no other JWS of that key passes for it), for this model, bound to the
 * exact request body by its SHA-256, used once.
 */
@Injectable()
export class GatewayAssertionGuard implements CanActivate {
  private readonly verifiers = new LruMap<string, TokenVerifier>(VERIFIER_CACHE_SIZE);
  private readonly seen = new SeenAssertions();
  private readonly keys: RemoteJwksSource;
  private readonly joseOnly: boolean;

  constructor(@Inject(CONFIG) config: PraesidiumConfig) {
    this.keys = new RemoteJwksSource(config.gateway.jwksUrl, 5_000);
    this.joseOnly = config.sampleModel.keyFile !== undefined;
  }

  /** How many model names have a verifier kept (at most VERIFIER_CACHE_SIZE). */
  get cachedVerifiers(): number {
    return this.verifiers.size;
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
        if (error instanceof ProblemError && error.code === 'token.type_unexpected')
          throw new ProblemError('assertion.invalid', `the JWS typ is not ${GATEWAY_ASSERTION_JWS_TYPE}`);
        throw new ProblemError('assertion.invalid');
      });
    if (claims.body_sha256 !== sha256Hex(request.rawBody ?? Buffer.alloc(0))) {
      throw new ProblemError('assertion.invalid', 'the assertion does not match the request body');
    }
    // Last, so an assertion refused above (another model, another body) is not used up.
    if (typeof claims.jti !== 'string' || claims.jti.length === 0) {
      throw new ProblemError('assertion.invalid', 'the assertion has no jti');
    }
    if (!this.seen.firstUse(claims.jti, claims.exp + CLOCK_SKEW_SECONDS)) {
      throw new ProblemError('assertion.replayed');
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
          typ: GATEWAY_ASSERTION_JWS_TYPE,
          clockSkewSeconds: CLOCK_SKEW_SECONDS,
          maxTokenLifetimeSeconds: MAX_LIFETIME_SECONDS,
        },
        this.keys,
      );
      this.verifiers.set(modelName, verifier);
    }
    return verifier;
  }
}
