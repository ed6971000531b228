import { ProblemError } from '@praesidium/problem';
import { isSameIdentity, type Identity } from '../identity.js';
import type { Principal } from '../principal.js';
import type { PrincipalSuspensionEntity } from './principal-suspension.entity.js';

/** A suspension as the API shows it: who is locked out, by whom, why, and its lifting if lifted. */
export interface SuspensionView {
  readonly id: string;
  readonly issuer: string;
  readonly subject: string;
  readonly reason: string;
  readonly suspendedBy: Identity;
  readonly suspendedAt: string;
  readonly state: 'active' | 'lifted';
  readonly lifted: {
    readonly by: Identity;
    readonly at: string;
    readonly reason: string;
  } | null;
}

export function suspensionView(row: PrincipalSuspensionEntity): SuspensionView {
  return {
    id: row.id,
    issuer: row.issuer,
    subject: row.subject,
    reason: row.reason,
    suspendedBy: { subject: row.suspendedBySubject, issuer: row.suspendedByIssuer },
    suspendedAt: row.suspendedAt.toISOString(),
    state: row.liftedAt === null ? 'active' : 'lifted',
    lifted:
      row.liftedAt === null
        ? null
        : {
            by: { subject: row.liftedBySubject ?? '', issuer: row.liftedByIssuer ?? '' },
            at: row.liftedAt.toISOString(),
            reason: row.liftReason ?? '',
          },
  };
}

/** What an audit record of a suspension or its lifting names (`AuditEntity` fields): never the reason. */
export function suspensionAuditEntity(suspension: SuspensionView): {
  readonly suspensionId: string;
  readonly suspendedSubject: string;
  readonly suspendedIssuer: string;
} {
  return {
    suspensionId: suspension.id,
    suspendedSubject: suspension.subject,
    suspendedIssuer: suspension.issuer,
  };
}

/**
 * Refuses a suspension of the caller's own identity (`suspension.self`): the last security officer
 * could otherwise lock everyone with the right to lift it out, themselves included. The same subject
 * at another issuer is someone else's identity: suspending it leaves the caller's own tokens working.
 */
export function checkNotSelf(actor: Identity, target: Identity): void {
  if (isSameIdentity(actor, target)) throw new ProblemError('suspension.self');
}

/**
 * The refusal of a suspended person's token (`access.principal_suspended`, 403). It carries the
 * principal the token verified as, so a refusal can be audited under the person's own name: the
 * token's signature is valid, only its holder is locked out.
 */
export class PrincipalSuspendedError extends ProblemError {
  constructor(readonly principal: Principal) {
    super('access.principal_suspended');
  }
}
