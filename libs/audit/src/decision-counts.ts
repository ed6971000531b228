import type { DataSource } from 'typeorm';

/** The audit actions that record a gateway decision: a call allowed or refused, or refused at the edge. */
export const DECISION_ACTIONS = ['inference.request', 'gateway.request'] as const;

/** How many decisions of one kind fell in one time bucket. */
export interface DecisionCount {
  /** Start of the bucket (ISO 8601). */
  readonly bucket: string;
  readonly outcome: string;
  /** The refusal's reason code; null for allowed calls. */
  readonly reasonCode: string | null;
  readonly count: number;
}

interface DecisionRow {
  bucket: Date;
  outcome: string;
  reason_code: string | null;
  count: number;
}

export interface DecisionCountQuery {
  readonly since: Date;
  readonly until: Date;
  readonly bucketSeconds: number;
}

/**
 * Gateway decisions counted per time bucket, outcome and reason code, for the security officer's
 * live view: counts only, no record, agent or patient leaves the database.
 */
export async function countDecisions(
  dataSource: DataSource,
  query: DecisionCountQuery,
): Promise<DecisionCount[]> {
  const rows = await dataSource.query<DecisionRow[]>(
    `SELECT to_timestamp(floor(extract(epoch FROM recorded_at) / $3) * $3) AS bucket,
            outcome, reason_code, count(*)::int AS count
       FROM audit.event
      WHERE recorded_at >= $1 AND recorded_at < $2 AND action = ANY($4)
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3`,
    [query.since, query.until, query.bucketSeconds, [...DECISION_ACTIONS]],
  );
  return rows.map((row) => ({
    bucket: new Date(row.bucket).toISOString(),
    outcome: row.outcome,
    reasonCode: row.reason_code,
    count: Number(row.count),
  }));
}
