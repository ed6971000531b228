import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditTrail } from '@praesidium/audit';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ConsentService } from '@praesidium/consent';
import { DEMO_CONSENTS, DEMO_MODELS } from '@praesidium/demo';
import { ModelRegistry } from '@praesidium/model-registry';

const SEEDED_KEY = 'demo.seeded';
// Any id of ours, distinct from the migration and checkpoint locks.
const SEED_LOCK_ID = 7_235_003;

/**
 * Seeds the demo once per database: the lumbar ESI model deployed on the sample model server, and
 * the two demo patients' consents. A marker row records that it ran, so a restart never seeds twice.
 */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoSeeder');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ModelRegistry,
    private readonly consents: ConsentService,
    private readonly trail: AuditTrail,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demo) return;
    await this.withSeedLock(async () => {
      const seeded: unknown[] = await this.dataSource.query('SELECT 1 FROM platform.setting WHERE key = $1', [
        SEEDED_KEY,
      ]);
      // Models are seeded by name, so a demo model added in a later release appears on an old database.
      await this.seedModels();
      if (seeded.length === 0) {
        await this.seed();
        await this.dataSource.query(
          'INSERT INTO platform.setting (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [SEEDED_KEY, JSON.stringify({ at: new Date().toISOString() })],
        );
        this.logger.log('demo data seeded');
      }
      // The sample model may listen elsewhere than at the first start (another port or host).
      for (const demo of DEMO_MODELS) {
        await this.registry.relocateBackend(
          demo.name,
          demo.version,
          demoBackendUrl(this.config, demo.backendPath),
        );
      }
    });
  }

  /** Two governance processes starting together on a fresh database seed once, not twice. */
  private async withSeedLock(work: () => Promise<void>): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [SEED_LOCK_ID]);
      await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK_ID]).catch(() => undefined);
      await runner.release();
    }
  }

  private async seedModels(): Promise<void> {
    const models = await this.registry.listModels();
    for (const { version, inputSchema, outputSchema, backendPath, ...model } of DEMO_MODELS) {
      const existing = models.find((candidate) => candidate.name === model.name);
      const registered =
        existing ?? (await this.registry.registerModel({ ...model, departments: [...model.departments] }));
      if ((await this.registry.listVersions(registered.id)).length === 0) {
        const created = await this.registry.registerVersion(registered, {
          version,
          backendUrl: demoBackendUrl(this.config, backendPath),
          inputSchema,
          outputSchema,
        });
        await this.registry.deployVersion(created);
      }
    }
  }

  private async seed(): Promise<void> {
    for (const consent of DEMO_CONSENTS) {
      if ((await this.consents.listForPatient(consent.patient.reference)).length > 0) continue;
      const stored = await this.consents.recordConsent(consent, { recordedBy: 'demo-seed' });
      await this.trail.append({
        action: 'consent.recorded',
        outcome: 'success',
        agent: { subject: 'demo-seed' },
        entity: {
          patientPseudonym: stored.patientPseudonym,
          consentId: stored.consentId,
          consentVersion: stored.version,
        },
      });
    }
  }
}

function demoBackendUrl(config: PraesidiumConfig, backendPath: string): string {
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  return `http://${host}:${config.http.sampleModelPort}${backendPath}`;
}
