import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  defineAbilityFor,
  requestBearerToken,
  TokenVerifier,
  type Action,
  type Principal,
  type SubjectName,
} from '@praesidium/access';
import { ProblemError } from '@praesidium/problem';

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** Every governance API call needs a verified identity (zero trust: no anonymous endpoints but health and keys). */
@Injectable()
export class PrincipalGuard implements CanActivate {
  constructor(private readonly tokens: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = await this.tokens.verify(requestBearerToken(request.raw));
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new ProblemError('token.missing');
  return principal;
});

/** Throws `access.denied` unless the principal's ability allows the action. */
export function requireAbility(principal: Principal, action: Action, subject: SubjectName): void {
  if (!defineAbilityFor(principal).can(action, subject)) throw new ProblemError('access.denied');
}
