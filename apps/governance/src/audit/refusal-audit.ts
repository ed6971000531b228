import type { Principal } from '@praesidium/access';
import type { AuditEntity, AuditTrail } from '@praesidium/audit';
import { ProblemError } from '@praesidium/problem';

/** Who acted, as a governance audit record names them. */
export function auditAgent(principal: Principal) {
  return { subject: principal.subject, issuer: principal.issuer, roles: [...principal.roles] };
}

/**
 * Runs a governance change; if it is refused (a `ProblemError`), the refusal is audited with its
 * reason code before it reaches the caller, so an attempt always leaves a trace for the security
 * officer. Recording the success is the caller's: what it binds the record to differs by change.
 */
export async function auditingRefusal<T>(
  trail: AuditTrail,
  action: string,
  principal: Principal,
  entity: AuditEntity,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof ProblemError)
      await trail.append({
        action,
        outcome: 'refused',
        reasonCode: error.code,
        agent: auditAgent(principal),
        entity,
      });
    throw error;
  }
}
