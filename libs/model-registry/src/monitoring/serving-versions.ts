import type { DataSource } from 'typeorm';

/** A version that serves calls: deployed, or the approved canary beside the deployed version. */
export interface ServingVersion {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly isCanary: boolean;
  /** When it last began to serve (deployed, resumed, promoted, canary started); null if unrecorded. */
  readonly servingSince: Date | null;
}

/**
 * Deployed versions and approved canaries (all, or the one asked for), with when they last began to
 * serve; listing all, only those with a floor declaration (in force or withdrawn).
 */
export async function servingVersions(dataSource: DataSource, versionId?: string): Promise<ServingVersion[]> {
  return dataSource.query(
    `SELECT v.id, m.name AS model, v.version, (c.version_id IS NOT NULL) AS "isCanary",
            CASE WHEN v.status = 'deployed'
                 THEN (SELECT max(t.at) FROM registry.version_transition t
                        WHERE t.version_id = v.id AND t.to_status = 'deployed')
                 ELSE c.started_at END AS "servingSince"
       FROM registry.model_version v
       JOIN registry.model m ON m.id = v.model_id
       LEFT JOIN registry.model_canary c ON c.version_id = v.id AND v.status = 'approved'
      WHERE (v.status = 'deployed' OR c.version_id IS NOT NULL)
        AND ($1::uuid IS NULL AND EXISTS (SELECT 1 FROM registry.feedback_floor_revision f
                                           WHERE f.version_id = v.id)
             OR v.id = $1::uuid)
      ORDER BY m.name, v.version`,
    [versionId ?? null],
  );
}
