import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AuditTrail } from '@praesidium/audit';
import { contentHash } from '@praesidium/digest';
import { biasReportHtml, computeBiasReport, EvaluationTable } from '@praesidium/fairness';
import { JOB_QUEUE, type JobQueue, type JobRequester } from '@praesidium/jobs';
import { requesterAgent } from '../jobs/enqueue.js';
import { BiasReportStore } from './bias-report.store.js';

export const BIAS_REPORT_JOB = 'bias.report';

export interface BiasReportJobData extends JobRequester {
  readonly reportId: string;
}

/**
 * Computing a report (every metric, disparity and bootstrap interval) runs as a job with visible
 * progress (`GET /jobs/:id`); the job reads the stored aggregate, so its data stays small on Redis.
 */
@Injectable()
export class BiasReportJob implements OnModuleInit {
  private readonly logger = new Logger('BiasReportJob');

  constructor(
    private readonly store: BiasReportStore,
    private readonly trail: AuditTrail,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    this.jobs.register<BiasReportJobData, { reportId: string; verdict: string }>(
      BIAS_REPORT_JOB,
      async (job) => {
        const { reportId } = job.data;
        try {
          const record = await this.store.find(reportId);
          await this.store.markRunning(reportId);
          const table = EvaluationTable.fromJSON(await this.store.aggregate(reportId));
          const report = await computeBiasReport(table, record.dataset, record.mapping, record.settings, {
            onProgress: (fraction) => job.reportProgress(5 + fraction * 90),
          });
          const reportSha256 = contentHash(report);
          await this.store.complete(reportId, report, biasReportHtml(report), reportSha256);
          await this.trail.append({
            action: 'bias_report.completed',
            outcome: 'success',
            agent: requesterAgent(job.data),
            requestSha256: record.dataset.sha256,
            responseSha256: reportSha256,
            ...(record.modelVersionRef ? { entity: { modelVersion: record.modelVersionRef } } : {}),
          });
          return { reportId, verdict: report.verdict };
        } catch (error) {
          // The cause is logged by class only: a message could carry a category value from the file.
          this.logger.error(
            `bias report ${reportId} failed: ${error instanceof Error ? error.name : 'error'}`,
          );
          await this.store.fail(reportId, 'the report could not be computed');
          throw error;
        }
      },
    );
  }
}
