import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditTrail } from '@praesidium/audit';
import { JOB_QUEUE, type JobQueue, type JobRequester } from '@praesidium/jobs';
import { KeyStore } from '@praesidium/keys';
import {
  DOCUMENT_KINDS,
  findInstallation,
  generateDocument,
  generateSubmission,
  loadSnapshot,
  MANIFEST_JSON,
  submissionFiles,
  type CompletenessEntry,
  type GeneratedFile,
  type GenerationInputs,
  type PackageLock,
} from '@praesidium/regulatory-docs';
import { requesterAgent } from '../jobs/enqueue.js';
import { DocumentStore, SUBMISSION_KIND } from './document.store.js';

export const DOCUMENT_JOB = 'document.generate';

export interface DocumentJobData extends JobRequester {
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
    private readonly keyStore: KeyStore,
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
          const inputs: GenerationInputs = {
            snapshot,
            lock: await platformLockfile(),
            generatedAt: new Date().toISOString(),
          };
          const generated =
            record.kind === SUBMISSION_KIND
              ? // 40 % → 80 % as the documents of the bundle are written, one by one.
                await this.submission(inputs, (done, total) =>
                  job.reportProgress(40 + Math.floor((40 * done) / total)),
                )
              : await generateDocument(record.kind, inputs);
          await job.reportProgress(80);
          await this.store.complete(documentId, generated);
          await this.trail.append({
            action: 'document.generated',
            outcome: 'success',
            agent: requesterAgent(job.data),
            responseSha256: generated.bundleSha256,
            // The document is found by its bundle hash (responseSha256) in `regulatory.document`.
            entity: { model: record.model, modelVersion: record.version },
          });
          await job.reportProgress(95);
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

  /**
   * The signed submission bundle, as `praesidium docs generate` writes it: every document, the SBOM,
   * the public keys, the manifests and `manifest.jws`, signed with the `regulatory-bundle` key. Its
   * `bundleSha256` is the SHA-256 of the signed `manifest.json`; its completeness report lists every
   * document's gaps, each with its document `kind`.
   */
  private async submission(
    inputs: GenerationInputs,
    onDocument: (done: number, total: number) => Promise<void>,
  ): Promise<{
    files: GeneratedFile[];
    completeness: (CompletenessEntry & { kind: string })[];
    bundleSha256: string;
  }> {
    const bundle = await generateSubmission(
      inputs,
      {
        privateJwk: this.keyStore.current('regulatory-bundle'),
        publicJwks: await this.keyStore.publicJwks('regulatory-bundle'),
      },
      DOCUMENT_KINDS,
      onDocument,
    );
    const completeness = Object.keys(bundle.manifest.gaps).flatMap((kind) => {
      const file = bundle.files.find((candidate) => candidate.name.endsWith(`-${kind}.completeness.json`));
      const gaps = file ? (JSON.parse(file.content) as CompletenessEntry[]) : [];
      return gaps.map((gap) => ({ kind, ...gap }));
    });
    const manifest = bundle.files.find((file) => file.name === MANIFEST_JSON);
    if (!manifest) throw new Error('the submission bundle has no manifest');
    return { files: submissionFiles(bundle), completeness, bundleSha256: manifest.sha256 };
  }
}
