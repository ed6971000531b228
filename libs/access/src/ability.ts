import {
  createMongoAbility,
  subject,
  type ForcedSubject,
  type MongoAbility,
  type RawRuleOf,
} from '@casl/ability';
import { DEFAULT_POLICY } from './policy/default-policy.js';
import type { PolicyDocument } from './policy/policy-document.js';
import {
  FIELD_RULE_SUBJECTS,
  isPlaceholder,
  PLACEHOLDERS,
  type Action,
  type SubjectName,
} from './policy/policy-vocabulary.js';
import { ROLES, type Principal } from './principal.js';

export type { Action, SubjectName };

/** The model attributes access policy decides on; `status` is the status of the version called. */
export interface ModelSubject {
  readonly name: string;
  readonly departments: readonly string[];
  readonly riskClass: string;
  readonly status: string;
}

/**
 * The model a registry permission (`ModelVersion`) is checked against: the versions of one model, known
 * by that model's name, departments and risk class as the registry holds them now.
 */
export interface ModelVersionSubject {
  readonly model: string;
  readonly departments: readonly string[];
  readonly riskClass: string;
}

type ModelRecord = ModelSubject & ForcedSubject<'Model'>;
type ModelVersionRecord = ModelVersionSubject & ForcedSubject<'ModelVersion'>;
export type AppAbility = MongoAbility<
  [Action, SubjectName | ModelRecord | ModelVersionRecord | ForcedSubject<SubjectName>]
>;

/**
 * What a principal may do under a policy document: the rules of each of its roles, with the
 * `${principal.…}` placeholders of their conditions replaced by the principal's attributes. Nothing is
 * allowed unless a rule allows it (CASL denies by default). A `fields` rule on a subject whose
 * endpoints answer whole records (not in FIELD_RULE_SUBJECTS) fails closed: it grants nothing, and a
 * `cannot` for some fields withholds the whole record, since those endpoints cannot withhold a part.
 */
export function abilityFromPolicy(policy: PolicyDocument, principal: Principal): AppAbility {
  const rules: RawRuleOf<AppAbility>[] = [];
  // A later rule overrides an earlier one, so the roles go in one fixed order (ROLES), never in the
  // order a token happens to list them: one person's decisions must not depend on their IdP.
  for (const role of ROLES) {
    if (!principal.roles.includes(role)) continue;
    for (const rule of policy.roles[role] ?? []) {
      const fields = rule.fields && FIELD_RULE_SUBJECTS.includes(rule.subject) ? rule.fields : undefined;
      if (rule.fields && !fields && !rule.inverted) continue;
      rules.push({
        action: rule.action,
        subject: rule.subject,
        ...(rule.conditions ? { conditions: interpolate(rule.conditions, principal) as object } : {}),
        ...(fields ? { fields: [...fields] } : {}),
        ...(rule.inverted ? { inverted: true } : {}),
      });
    }
  }
  return createMongoAbility<AppAbility>(rules);
}

/** The ability under the seed policy (version 1): for tests and benches without a database. */
export function defineAbilityFor(principal: Principal): AppAbility {
  return abilityFromPolicy(DEFAULT_POLICY, principal);
}

/**
 * Whether the ability allows `action` on every record of `subjectName`, whatever its fields. CASL's
 * `can(action, 'Type')` answers whether *some* record may be reached: a rule with conditions ("the
 * reports they requested") or an inverted conditional rule ("not grants declared for `other`") still
 * says yes. An endpoint that checks no record (a list, a lookup by id) needs this answer instead, so
 * that a condition it does not evaluate narrows access to nothing rather than widening it to all
 * (fail closed). Rules are read in CASL's priority order: an inverted rule met first takes some
 * records away; an unconditional rule met first gives them all.
 */
export function allowsEvery(ability: AppAbility, action: Action, subjectName: SubjectName): boolean {
  for (const rule of ability.rulesFor(action, subjectName)) {
    if (rule.inverted) return false;
    if (!rule.conditions) return true;
  }
  return false;
}

export function modelSubject(model: ModelSubject): ModelRecord {
  return subject('Model', { ...model });
}

/**
 * The versions of one model as a `ModelVersion` subject: `ability.can(action, modelVersionSubject(…))`
 * evaluates the rules' conditions on its fields, and an unconditioned rule covers every model.
 */
export function modelVersionSubject(model: ModelVersionSubject): ModelVersionRecord {
  return subject('ModelVersion', {
    model: model.model,
    departments: [...model.departments],
    riskClass: model.riskClass,
  });
}

/** A subject recorded about one model's versions: a bias report, a regulatory document. */
export type ModelRecordSubjectName = 'BiasReport' | 'RegulatoryDocument';

/**
 * Whether the ability allows `action` on one bias report or regulatory document: the rules' conditions
 * evaluated on its own fields and on the model it is of (`model`, `departments`, `riskClass`, as the
 * registry holds the model now), so an unconditioned rule covers every record. A record of no model the
 * registry knows (a bias report naming no version, or one it cannot resolve) has no fields a condition
 * could be checked on: only a rule covering every record reaches it (fail closed).
 */
export function allowsOnModelRecord(
  ability: AppAbility,
  action: Action,
  subjectName: ModelRecordSubjectName,
  fields: Readonly<Record<string, string | null>>,
  model: ModelVersionSubject | null,
): boolean {
  if (!model) return allowsEvery(ability, action, subjectName);
  return ability.can(
    action,
    subject(subjectName, {
      ...fields,
      model: model.model,
      departments: [...model.departments],
      riskClass: model.riskClass,
    }),
  );
}

function interpolate(value: unknown, principal: Principal): unknown {
  if (isPlaceholder(value)) return PLACEHOLDERS[value](principal);
  if (Array.isArray(value)) return value.map((item) => interpolate(item, principal));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, principal)]),
    );
  return value;
}
