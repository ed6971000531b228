import { abilityFromPolicy, type AppAbility } from '../ability.js';
import type { Principal } from '../principal.js';
import type { PolicyDocument } from './policy-document.js';

const CACHE_LIMIT = 10_000;

/** A policy version in force: its number and its parsed document. */
export interface ActivePolicy {
  readonly version: number;
  readonly document: PolicyDocument;
}

/**
 * Abilities built once per (policy version, principal attributes) and reused, so an authorization
 * decision is a map lookup and a `can()`. The key holds every attribute a placeholder can read; the
 * verifier hands back the same Principal object for a repeated token, so its key is computed once.
 */
export class AbilityCache {
  private readonly abilities = new Map<string, AppAbility>();
  private readonly keys = new WeakMap<Principal, string>();

  constructor(private readonly limit = CACHE_LIMIT) {}

  abilityFor(policy: ActivePolicy, principal: Principal): AppAbility {
    const key = `${policy.version}\u0000${this.attributesKey(principal)}`;
    let ability = this.abilities.get(key);
    if (ability === undefined) {
      ability = abilityFromPolicy(policy.document, principal);
      if (this.abilities.size >= this.limit)
        this.abilities.delete(this.abilities.keys().next().value as string);
      this.abilities.set(key, ability);
    }
    return ability;
  }

  clear(): void {
    this.abilities.clear();
  }

  private attributesKey(principal: Principal): string {
    let key = this.keys.get(principal);
    if (key === undefined) {
      key = JSON.stringify([
        principal.subject,
        principal.roles,
        principal.departments,
        principal.trainings,
        principal.site ?? null,
      ]);
      this.keys.set(principal, key);
    }
    return key;
  }
}
