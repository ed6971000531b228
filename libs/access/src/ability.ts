import {
  AbilityBuilder,
  createMongoAbility,
  subject,
  type ForcedSubject,
  type MongoAbility,
} from '@casl/ability';
import type { Principal } from './principal.js';

/** The model attributes access policy decides on. */
export interface ModelSubject {
  readonly name: string;
  readonly departments: readonly string[];
  readonly riskClass: string;
}

export type Action = 'infer' | 'read' | 'record' | 'verify' | 'manage';
export type SubjectName = 'Model' | 'AuditTrail' | 'Consent' | 'all';
type ModelRecord = ModelSubject & ForcedSubject<'Model'>;
export type AppAbility = MongoAbility<[Action, SubjectName | ModelRecord]>;

/**
 * What a principal may do, built per request from its role and attributes. Nothing is allowed unless
 * a rule below allows it (CASL denies by default).
 */
export function defineAbilityFor(principal: Principal): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  for (const role of principal.roles) {
    switch (role) {
      case 'clinician':
        // A clinician may run a model made for one of their departments and whose training they attested.
        can('infer', 'Model', {
          departments: { $in: [...principal.departments] },
          name: { $in: [...principal.trainings] },
        });
        can('read', 'Model');
        can('record', 'Consent');
        can('read', 'Consent');
        break;
      case 'security-officer':
        can('read', 'AuditTrail');
        can('verify', 'AuditTrail');
        can('read', 'Model');
        break;
      case 'regulatory-affairs':
      case 'ethics-board':
      case 'model-owner':
        can('read', 'Model');
        break;
      case 'administrator':
        can('read', 'Model');
        can('read', 'AuditTrail');
        can('verify', 'AuditTrail');
        break;
      case 'service':
        break;
    }
  }
  return build();
}

export function modelSubject(model: ModelSubject): ModelRecord {
  return subject('Model', { ...model });
}
