import type { Principal } from '@praesidium/access';
import type { AuditTrail } from '@praesidium/audit';
import { ProblemError } from '@praesidium/problem';

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
): Promise<T> {
  const agent = { subject: principal.subject, issuer: principal.issuer, roles: [...principal.roles] };
  const entity = {
    ...(subject.model ? { model: subject.model } : {}),
    ...(subject.modelVersion ? { modelVersion: subject.modelVersion } : {}),
  };
  let result: T;
  try {
    result = await work();
  } catch (error) {
    if (error instanceof ProblemError)
      await trail.append({ action, outcome: 'refused', reasonCode: error.code, agent, entity });
    throw error;
  }
  const sha256 = hashOf(result);
  await trail.append({
    action,
    outcome: 'success',
    agent,
    entity,
    ...(sha256 ? { requestSha256: sha256 } : {}),
  });
  return result;
}
