import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditTrail } from '@praesidium/audit';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import {
  findInstallation,
  generateDocument,
  loadSnapshot,
  type PackageLock,
} from '@praesidium/regulatory-docs';
import { DocumentStore } from './document.store.js';

export const DOCUMENT_JOB = 'document.generate';

export interface DocumentJobData {
  readonly requestedBy: string;
  readonly documentId: string;
}

/** The platform's own lockfile: the SBOM describes what this installation runs. */
async function platformLockfile(): Promise<PackageLock> {
  return JSON.parse(await readFile(findInstallation('package-lock.json'), 'utf8')) as PackageLock;
}

/**
 * Generation reads the registry records of the version, renders the document and stores its files
 * and completeness report; `document.generated` is audited with the bundle's SHA-256.
 */
@Injectable()
export class DocumentJob implements OnModuleInit {
  private readonly logger = new Logger('DocumentJob');

  constructor(
    private readonly store: DocumentStore,
    private readonly trail: AuditTrail,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    this.jobs.register<DocumentJobData, { documentId: string; bundleSha256: string; gaps: number }>(
      DOCUMENT_JOB,
      async (job) => {
        const { documentId } = job.data;
        try {
          const record = await this.store.find(documentId);
          await this.store.markRunning(documentId);
          await job.reportProgress(10);
          const snapshot = await loadSnapshot(this.dataSource.manager, record.model, record.version);
          await job.reportProgress(40);
          const generated = await generateDocument(record.kind, {
            snapshot,
            lock: await platformLockfile(),
            generatedAt: new Date().toISOString(),
          });
          await job.reportProgress(80);
          await this.store.complete(documentId, generated);
          await this.trail.append({
            action: 'document.generated',
            outcome: 'success',
            agent: { subject: job.data.requestedBy },
            responseSha256: generated.bundleSha256,
            // The document is found by its bundle hash (responseSha256) in `regulatory.document`.
            entity: { model: record.model, modelVersion: record.version },
          });
          return { documentId, bundleSha256: generated.bundleSha256, gaps: generated.completeness.length };
        } catch (error) {
          this.logger.error(
            `document ${documentId} failed: ${error instanceof Error ? error.name : 'error'}`,
          );
          await this.store.fail(documentId, 'the document could not be generated');
          throw error;
        }
      },
    );
  }
}
