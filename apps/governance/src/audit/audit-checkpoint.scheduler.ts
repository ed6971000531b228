import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AuditCheckpoints } from '@praesidium/audit';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';

/**
 * Signs a checkpoint every PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS. Several governance instances
 * may run it: an advisory lock serializes them and a checkpoint with nothing new is skipped.
 */
@Injectable()
export class AuditCheckpointScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuditCheckpoints');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly checkpoints: AuditCheckpoints,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  onModuleInit(): void {
    const seconds = this.config.audit.checkpointIntervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      await this.checkpoints.createCheckpoint();
    } catch (error) {
      this.logger.warn(
        `checkpoint failed: ${error instanceof Error ? error.name : 'error'}; retrying next interval`,
      );
    }
  }
}
