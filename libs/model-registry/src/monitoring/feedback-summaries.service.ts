import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { summarizeFeedback, type FeedbackSubject, type FeedbackSummary } from './feedback-summary.js';

/**
 * Clinicians' feedback on a version's outputs, counted where it is recorded: the audit trail is the
 * only copy of it (the gateway appends `inference.feedback.<verdict>` and nothing else), so the figures
 * a post-market report cites can be re-derived from verified records.
 *
 * PostgreSQL groups; only the counts per verdict and reason leave the database. When the same
 * clinician judged one output more than once, the latest judgment in the period counts (a change of
 * mind is not a second opinion). A feedback record names its output by the audit record the answer
 * named (`entity.outputRecord`). Records written before it was kept name it by what they copied from
 * the output's record: the correlation id, which a caller may choose and reuse (`x-correlation-id`),
 * so with the response hash and the patient pseudonym too; a record with neither counts on its own.
 * The event is parsed only for rows that the feedback action, model and period have already narrowed.
 */
@Injectable()
export class FeedbackSummaries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async summarize(subject: FeedbackSubject): Promise<FeedbackSummary> {
    const rows = await this.dataSource.query<{ verdict: string; reason: string | null; count: number }[]>(
      `WITH judged AS (
         SELECT DISTINCT ON (e.agent_subject, o.output) e.action, e.reason_code
           FROM audit.event e
           CROSS JOIN LATERAL (SELECT e.event_jcs::jsonb AS event) j
           CROSS JOIN LATERAL (
             SELECT CASE WHEN j.event -> 'entity' ? 'outputRecord' THEN j.event -> 'entity' ->> 'outputRecord'
                         WHEN j.event ->> 'correlationId' IS NULL THEN e.id::text
                         ELSE concat_ws('|', j.event ->> 'correlationId', j.event ->> 'responseSha256',
                                        j.event -> 'entity' ->> 'patientPseudonym') END AS output) o
          WHERE e.model_name = $1 AND e.recorded_at >= $3 AND e.recorded_at < $4
            AND e.action LIKE 'inference.feedback.%' AND e.outcome = 'success'
            AND j.event -> 'entity' ->> 'modelVersion' = $2
          ORDER BY e.agent_subject, o.output, e.recorded_at DESC, e.seq DESC
       )
       SELECT substr(action, length('inference.feedback.') + 1) AS verdict, reason_code AS reason,
              count(*)::int AS count
         FROM judged
        GROUP BY action, reason_code`,
      [subject.model, subject.version, subject.periodStart, subject.periodEnd],
    );
    return summarizeFeedback(
      subject,
      rows.map((row) => ({ verdict: row.verdict, reason: row.reason, count: Number(row.count) })),
    );
  }
}
