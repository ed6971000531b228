import type { Principal } from '@praesidium/access';
import type { AuditTrail } from '@praesidium/audit';
import { auditAgent, auditingRefusal } from '../audit/refusal-audit.js';

export interface RegistrySubject {
  readonly model?: string;
  readonly modelVersion?: string;
}

/**
 * Runs a registry change and audits it either way: committed as `success` with the hash of what
 * changed (manifest, record, file), or refused with the refusal's reason code. A refusal is audited
 * before it reaches the caller, so an attempt to change an approved version always leaves a trace.
 */
export async function audited<T>(
  trail: AuditTrail,
  principal: Principal,
  action: string,
  subject: RegistrySubject,
  work: () => Promise<T>,
  hashOf: (result: T) => string | undefined = () => undefined,
  /** The subject as the change turned out (a canary's version is known only once it is read). */
  subjectOf: (result: T) => RegistrySubject = () => subject,
): Promise<T> {
  const result = await auditingRefusal(trail, action, principal, entityOf(subject), work);
  await auditSuccess(trail, principal, action, subjectOf(result), hashOf(result));
  return result;
}

/** A registry change that happened as a consequence of another (a canary stopped by a suspension). */
export async function auditSuccess(
  trail: AuditTrail,
  principal: Principal,
  action: string,
  subject: RegistrySubject,
  sha256?: string,
): Promise<void> {
  await trail.append({
    action,
    outcome: 'success',
    agent: auditAgent(principal),
    entity: entityOf(subject),
    ...(sha256 ? { requestSha256: sha256 } : {}),
  });
}

function entityOf(subject: RegistrySubject) {
  return {
    ...(subject.model ? { model: subject.model } : {}),
    ...(subject.modelVersion ? { modelVersion: subject.modelVersion } : {}),
  };
}
