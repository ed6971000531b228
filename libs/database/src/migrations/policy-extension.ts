import type { QueryRunner } from 'typeorm';
import { contentHash } from '@praesidium/digest';

interface PolicyShape {
  roles: Record<string, unknown[]>;
}

/**
 * Appends rules per role to the active access policy and activates the result as the next version,
 * approved by `system:migration`: a release that adds a capability ships the rules that let its
 * users reach it, while whatever a site changed in its active policy stays. Rules are passed
 * written out literally by each migration, so a migration never changes after it lands.
 */
export async function extendActivePolicy(
  db: QueryRunner,
  rules: Record<string, readonly unknown[]>,
  reason: string,
): Promise<void> {
  const rows = (await db.query(
    `SELECT v.version, v.document FROM access.policy_activation a
       JOIN access.policy_version v ON v.version = a.version
      ORDER BY a.activated_at DESC, a.version DESC LIMIT 1`,
  )) as { version: number; document: PolicyShape }[];
  const active = rows[0];
  if (!active) return;
  const roles = { ...active.document.roles };
  for (const [role, added] of Object.entries(rules)) roles[role] = [...(roles[role] ?? []), ...added];
  const document = { ...active.document, roles };
  const [{ next }] = (await db.query(
    `SELECT COALESCE(max(version), 0) + 1 AS next FROM access.policy_version`,
  )) as [{ next: number }];
  await db.query(
    `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES ($1, $2, $3, $4, $5)`,
    [next, JSON.stringify(document), contentHash(document), 'system:migration', reason],
  );
  await db.query(
    `INSERT INTO access.policy_activation (version, approved_by) VALUES ($1, 'system:migration')`,
    [next],
  );
}
