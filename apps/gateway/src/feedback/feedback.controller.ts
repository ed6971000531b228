import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { presentedCertificate, singleBearerToken, TokenVerifier } from '@praesidium/access';
import { AuditTrail, type AuditEvent } from '@praesidium/audit';
import { ProblemError, ZodPipe } from '@praesidium/problem';
import { currentTraceId } from '@praesidium/telemetry';
import { feedbackSchema, type Feedback } from './feedback.js';

/**
 * Clinician feedback on an output (EU AI Act Art. 14 human oversight; post-market monitoring): the
 * verdict and a coded reason, tied to the output's audit record by (stream, seq), and audited as
 * `inference.feedback.<verdict>` with the output's correlation id, model, version and response hash.
 * Only the caller who received the output may judge it; refusals are audited at the edge.
 */
@Controller('v2/feedback')
export class FeedbackController {
  constructor(
    private readonly tokens: TokenVerifier,
    private readonly trail: AuditTrail,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Post()
  @HttpCode(201)
  async give(@Body(new ZodPipe(feedbackSchema)) feedback: Feedback, @Req() request: FastifyRequest) {
    const principal = await this.tokens.verify(
      singleBearerToken(request.raw.headersDistinct.authorization ?? []),
      { certificate: presentedCertificate(request.raw.socket) },
    );
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
      entity: output.entity,
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

  /** The committed, successful response record the feedback is about. */
  private async outputRecord({ stream, seq, hash }: Feedback['audit']): Promise<AuditEvent> {
    let rows: { event_jcs: string }[];
    try {
      rows = await this.dataSource.query(
        `SELECT event_jcs FROM audit.event
          WHERE stream_id = $1 AND seq = $2 AND ($3::text IS NULL OR hash = $3)
            AND action = 'inference.response' AND outcome = 'success'`,
        [stream, seq, hash ?? null],
      );
    } catch {
      throw new ProblemError('database.unavailable');
    }
    if (rows.length === 0) throw new ProblemError('feedback.output_unknown');
    return JSON.parse(rows[0].event_jcs) as AuditEvent;
  }
}
