import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  allowsEvery,
  allowsOnModelRecord,
  type ModelRecordSubjectName,
  PolicyStore,
  requestBearerToken,
  TokenVerifier,
  type Action,
  type AppAbility,
  type ModelVersionSubject,
  modelVersionSubject,
  type Principal,
  type SubjectName,
} from '@praesidium/access';
import { ProblemError } from '@praesidium/problem';
import { principalVerifiedBeforeBody } from './authenticate-before-body.js';

type AuthenticatedRequest = FastifyRequest & { principal?: Principal; ability?: AppAbility };

/**
 * The ability each verified principal was given by the guard of its latest request, under the policy
 * in force then. Keyed by the Principal object the verifier hands out, so `requireAbility(principal…)`
 * needs no request at hand; a principal never seen by the guard has no ability (deny by default).
 */
const abilities = new WeakMap<Principal, AppAbility>();

/** Every governance API call needs a verified identity (zero trust: no anonymous endpoints but health and keys). */
@Injectable()
export class PrincipalGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenVerifier,
    private readonly policies: PolicyStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // A request with a body was authenticated before it was read (authenticate-before-body.ts).
    const principal =
      principalVerifiedBeforeBody(request) ?? (await this.tokens.verify(requestBearerToken(request.raw)));
    request.principal = principal;
    request.ability = this.policies.abilityFor(principal);
    abilities.set(principal, request.ability);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new ProblemError('token.missing');
  return principal;
});

/** The caller's ability under the policy in force (set by PrincipalGuard). */
export const CurrentAbility = createParamDecorator((_: unknown, context: ExecutionContext): AppAbility => {
  const ability = context.switchToHttp().getRequest<AuthenticatedRequest>().ability;
  if (!ability) throw new ProblemError('access.denied');
  return ability;
});

/**
 * Throws `access.denied` unless the principal's ability allows the action on every record of the
 * subject: the check of an endpoint that does not evaluate rule conditions itself. A conditional rule
 * the endpoint cannot apply denies (see `allowsEvery`).
 */
export function requireAbility(principal: Principal, action: Action, subject: SubjectName): void {
  const ability = abilities.get(principal);
  if (!ability || !allowsEvery(ability, action, subject)) throw new ProblemError('access.denied');
}

/**
 * Throws `access.denied` unless the ability allows the action on some record of the subject: only for
 * an endpoint that then applies the rules' conditions to each row itself (`sqlFilterFor`).
 */
export function requireAbilityOnSome(principal: Principal, action: Action, subject: SubjectName): void {
  if (!abilities.get(principal)?.can(action, subject)) throw new ProblemError('access.denied');
}

/** Throws `access.denied` unless the principal's ability allows one of the actions on every record. */
export function requireAnyAbility(
  principal: Principal,
  actions: readonly Action[],
  subject: SubjectName,
): void {
  const ability = abilities.get(principal);
  if (!ability || !actions.some((action) => allowsEvery(ability, action, subject)))
    throw new ProblemError('access.denied');
}

/**
 * Throws `access.denied` unless the ability allows one of the actions on some record of the subject:
 * the check made before anything is read, for an endpoint that then checks the record it acts on.
 */
export function requireAnyAbilityOnSome(
  principal: Principal,
  actions: readonly Action[],
  subject: SubjectName,
): void {
  const ability = abilities.get(principal);
  if (!ability || !actions.some((action) => ability.can(action, subject)))
    throw new ProblemError('access.denied');
}

/**
 * Throws `access.denied` unless the ability allows one of the actions on the versions of this model,
 * the rules' conditions evaluated on its fields (an unconditioned rule covers every model).
 */
export function requireAnyAbilityOnModel(
  principal: Principal,
  actions: readonly Action[],
  model: ModelVersionSubject,
): void {
  const ability = abilities.get(principal);
  const record = modelVersionSubject(model);
  if (!ability || !actions.some((action) => ability.can(action, record)))
    throw new ProblemError('access.denied');
}

/**
 * Looks one record of the subject up. What it does not find is `access.denied` for a caller whose
 * rules for the actions are narrowed by conditions, as a record outside their scope would be, so the
 * answer does not tell what exists beyond it; a caller allowed on every record is told `notFound`.
 */
export async function lookupInScope<T>(
  principal: Principal,
  actions: readonly Action[],
  subject: SubjectName,
  notFound: string,
  lookup: () => Promise<T>,
): Promise<T> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof ProblemError && error.code === notFound && !coversEvery(principal, actions, subject))
      throw new ProblemError('access.denied');
    throw error;
  }
}

/** Whether one of the actions is allowed on every record of the subject (no condition narrows it). */
function coversEvery(principal: Principal, actions: readonly Action[], subject: SubjectName): boolean {
  const ability = abilities.get(principal);
  return !!ability && actions.some((action) => allowsEvery(ability, action, subject));
}

/**
 * Throws `access.denied` unless the ability allows the action on this bias report or regulatory
 * document, the rules' conditions evaluated on its fields and its model's (see `allowsOnModelRecord`).
 */
export function requireAbilityOnModelRecord(
  principal: Principal,
  action: Action,
  subjectName: ModelRecordSubjectName,
  fields: Readonly<Record<string, string | null>>,
  model: ModelVersionSubject | null,
): void {
  const ability = abilities.get(principal);
  if (!ability || !allowsOnModelRecord(ability, action, subjectName, fields, model))
    throw new ProblemError('access.denied');
}
