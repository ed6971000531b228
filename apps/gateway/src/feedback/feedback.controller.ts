import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { AuditTrail, type AuditEvent } from '@praesidium/audit';
import { ProblemError, ZodPipe } from '@praesidium/problem';
import { currentTraceId } from '@praesidium/telemetry';
import { AuthenticateBeforeBody, authenticatedPrincipal } from '../caller-authentication.js';
import { feedbackSchema, type Feedback } from './feedback.js';

/**
 * Clinician feedback on an output (EU AI Act Art. 14 human oversight; post-market monitoring): the
 * verdict and a coded reason, tied to the audit record the answer names by (stream, seq), and audited as
 * `inference.feedback.<verdict>` with the output's correlation id, model, version and response hash.
 * Only the caller who received the output may judge it. The caller is authenticated before the body
 * is read (caller-authentication.ts); refusals are audited at the edge.
 */
@Controller('v2/feedback')
export class FeedbackController {
  constructor(
    private readonly trail: AuditTrail,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Post()
  @HttpCode(201)
  @AuthenticateBeforeBody('feedback')
  async give(@Body(new ZodPipe(feedbackSchema)) feedback: Feedback, @Req() request: FastifyRequest) {
    const principal = authenticatedPrincipal(request);
    const output = await this.outputRecord(feedback.audit);
    if (output.agent?.subject !== principal.subject || output.agent.issuer !== principal.issuer) {
      throw new ProblemError('access.denied', 'only the clinician who received the output can judge it');
    }
    const record = await this.trail.append({
      action: `inference.feedback.${feedback.verdict}`,
      outcome: 'success',
      reasonCode: feedback.reason,
      agent: {
        subject: principal.subject,
        issuer: principal.issuer,
        roles: principal.roles,
        address: request.ip,
      },
      entity: { ...output.entity, outputRecord: `${feedback.audit.stream}/${feedback.audit.seq}` },
      purposeOfUse: output.purposeOfUse,
      responseSha256: output.responseSha256,
      traceId: currentTraceId(),
      correlationId: output.correlationId,
    });
    return {
      audit: { stream: record.streamId, seq: record.seq, hash: record.hash },
      output: feedback.audit,
      verdict: feedback.verdict,
      reason: feedback.reason,
    };
  }

  /**
   * The committed output the feedback is about. An answer names its response record, or, when it was
   * released before that record committed (after-release outcome audit), its request record: the
   * call's response record then gives the response hash, unless it is missing (lost in a crash), when
   * the request record alone ties the feedback to the call. A call that failed has no output to judge.
   */
  private async outputRecord({ stream, seq, hash }: Feedback['audit']): Promise<AuditEvent> {
    const named = await this.query<{ action: string; recorded_at: Date; event_jcs: string }>(
      `SELECT action, recorded_at, event_jcs FROM audit.event
        WHERE stream_id = $1 AND seq = $2 AND ($3::text IS NULL OR hash = $3)
          AND action IN ('inference.response', 'inference.request') AND outcome = 'success'`,
      [stream, seq, hash ?? null],
    );
    if (named.length === 0) throw new ProblemError('feedback.output_unknown');
    const { action, recorded_at: requestedAt } = named[0];
    const request = JSON.parse(named[0].event_jcs) as AuditEvent;
    if (action === 'inference.response') return request;
    // The same process appended both records, in order, within the longest backend timeout (10 min).
    const outcomes = await this.query<{ outcome: string; event_jcs: string }>(
      `SELECT outcome, event_jcs FROM audit.event
        WHERE stream_id = $1 AND seq > $2 AND recorded_at >= $3 AND recorded_at < $3 + interval '15 minutes'
          AND action = 'inference.response' AND event_jcs::jsonb ->> 'correlationId' = $4
        ORDER BY seq LIMIT 1`,
      [stream, seq, requestedAt, request.correlationId ?? null],
    );
    if (outcomes.length === 0) return request;
    if (outcomes[0].outcome !== 'success') throw new ProblemError('feedback.output_unknown');
    return JSON.parse(outcomes[0].event_jcs) as AuditEvent;
  }

  private async query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    try {
      return await this.dataSource.query<T[]>(sql, parameters);
    } catch {
      throw new ProblemError('database.unavailable');
    }
  }
}
