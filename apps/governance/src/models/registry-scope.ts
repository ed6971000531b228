import type { Action, ModelVersionSubject, Principal } from '@praesidium/access';
import type { ModelEntity, ModelRegistry } from '@praesidium/model-registry';
import { lookupInScope, requireAnyAbilityOnModel, requireAnyAbilityOnSome } from '../auth/principal.guard.js';

/**
 * A model as registry permissions (`ModelVersion` rules) see it: its name, departments and risk class
 * as the registry holds them now. (The gateway judges inference on a version's approved description
 * instead; the registry's permissions follow who answers for the model today.)
 */
export function registrySubjectOf(
  model: Pick<ModelEntity, 'name' | 'departments' | 'riskClass'>,
): ModelVersionSubject {
  return { model: model.name, departments: model.departments, riskClass: model.riskClass };
}

/**
 * The check made before the registry is read: one of the actions on the versions of some model
 * (`access.denied` otherwise, as before registry permissions could be narrowed).
 */
export function requireRegistryPermission(principal: Principal, actions: Action | readonly Action[]): void {
  requireAnyAbilityOnSome(principal, typeof actions === 'string' ? [actions] : actions, 'ModelVersion');
}

/**
 * The model named, once one of the actions is allowed on its versions, the policy's conditions
 * evaluated on the model's fields. A model the caller may not act on is `access.denied`; so is one that
 * does not exist, for a caller whose permission conditions narrow (so the answer does not tell which
 * names exist beyond their scope); a caller allowed on every model is told `model.unknown`, as before.
 */
export async function modelInScope(
  registry: ModelRegistry,
  principal: Principal,
  actions: Action | readonly Action[],
  name: string,
): Promise<ModelEntity> {
  const list = typeof actions === 'string' ? [actions] : actions;
  requireAnyAbilityOnSome(principal, list, 'ModelVersion');
  const model = await lookupInScope(principal, list, 'ModelVersion', 'model.unknown', () =>
    registry.getModel(name),
  );
  requireAnyAbilityOnModel(principal, list, registrySubjectOf(model));
  return model;
}
