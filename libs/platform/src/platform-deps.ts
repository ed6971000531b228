import type { DynamicModule } from '@nestjs/common';
import { ConfigModule, type PraesidiumConfig } from '@praesidium/config';
import { DatabaseModule, type PostgresConnection } from '@praesidium/database';
import { JobsModule, type JobQueue } from '@praesidium/jobs';
import { KeysModule, type KeyStore } from '@praesidium/keys';

/** What a process opens once and shares with every app it runs. */
export interface PlatformDeps {
  readonly config: PraesidiumConfig;
  readonly keyStore: KeyStore;
  readonly connection: PostgresConnection;
  readonly jobs: JobQueue;
}

/** The platform modules every app with a database imports. */
export function platformModules(deps: PlatformDeps): DynamicModule[] {
  return [
    ConfigModule.forRoot(deps.config),
    KeysModule.forRoot(deps.keyStore),
    DatabaseModule.forRoot(deps.connection, deps.config.database.poolSize),
    JobsModule.forRoot(deps.jobs),
  ];
}
