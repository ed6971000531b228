import { canonicalJson } from '@praesidium/digest';
import type { PolicyDocument, PolicyRule } from './policy-document.js';

export interface RoleDiff {
  readonly added: readonly PolicyRule[];
  readonly removed: readonly PolicyRule[];
}

/** Per role, the rules `to` has that `from` lacks and the other way round (rules compared canonically). */
export function diffPolicies(from: PolicyDocument, to: PolicyDocument): Record<string, RoleDiff> {
  const roles = new Set([...Object.keys(from.roles), ...Object.keys(to.roles)]);
  const diff: Record<string, RoleDiff> = {};
  for (const role of [...roles].sort()) {
    const before = rulesOf(from, role);
    const after = rulesOf(to, role);
    const added = [...after].filter(([key]) => !before.has(key)).map(([, rule]) => rule);
    const removed = [...before].filter(([key]) => !after.has(key)).map(([, rule]) => rule);
    if (added.length > 0 || removed.length > 0) diff[role] = { added, removed };
  }
  return diff;
}

function rulesOf(policy: PolicyDocument, role: string): Map<string, PolicyRule> {
  const rules = (policy.roles as Record<string, readonly PolicyRule[] | undefined>)[role] ?? [];
  return new Map(rules.map((rule) => [canonicalJson(rule), rule]));
}
