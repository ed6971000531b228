import { canonicalJson } from '@praesidium/digest';
import type { PolicyDocument, PolicyRule } from './policy-document.js';

export interface RoleDiff {
  readonly added: readonly PolicyRule[];
  readonly removed: readonly PolicyRule[];
}

/**
 * Per role, the rules `to` adds to `from` and the rules it takes away, as a sequence: a role's rules
 * are read in order and a later rule overrides an earlier one (a "cannot" placed before the "can" it
 * should restrict restricts nothing), so a rule moved within its role shows as removed and added, and
 * a repeated rule as added. Only the same rules in the same order are no difference. Rules are
 * compared canonically (RFC 8785).
 */
export function diffPolicies(from: PolicyDocument, to: PolicyDocument): Record<string, RoleDiff> {
  const roles = new Set([...Object.keys(from.roles), ...Object.keys(to.roles)]);
  const diff: Record<string, RoleDiff> = {};
  for (const role of [...roles].sort()) {
    const change = diffRules(rulesOf(from, role), rulesOf(to, role));
    if (change.added.length > 0 || change.removed.length > 0) diff[role] = change;
  }
  return diff;
}

function rulesOf(policy: PolicyDocument, role: string): readonly PolicyRule[] {
  return (policy.roles as Record<string, readonly PolicyRule[] | undefined>)[role] ?? [];
}

/** The rules outside a longest common subsequence of the two lists (at most 200 rules a role). */
function diffRules(before: readonly PolicyRule[], after: readonly PolicyRule[]): RoleDiff {
  const a = before.map((rule) => canonicalJson(rule));
  const b = after.map((rule) => canonicalJson(rule));
  // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const common = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1)
    for (let j = b.length - 1; j >= 0; j -= 1)
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
  const added: PolicyRule[] = [];
  const removed: PolicyRule[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i += 1;
      j += 1;
    } else if (j < b.length && (i === a.length || common[i][j + 1] >= common[i + 1][j])) {
      added.push(after[j]);
      j += 1;
    } else {
      removed.push(before[i]);
      i += 1;
    }
  }
  return { added, removed };
}
