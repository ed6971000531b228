import { Inject, Injectable, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { KeyStore, Pseudonymizer } from '@praesidium/keys';
import { ConsentCache } from './consent-cache.js';
import { ConsentChangeFeed } from './consent-change-feed.js';
import { ConsentStore } from './consent-store.js';
import { ConsentVersionEntity } from './consent-version.entity.js';
import { ConsentService } from './consent.service.js';
import { DocumentVault, KeyEncryptionKeys } from './document-vault.js';
import { SourceDocumentEntity } from './source-document.entity.js';

/** How long a cached consent may be served at most, with a change feed (server) or without (embedded). */
const CACHE_TTL_MS = { listening: 60_000, embedded: 1_000 };

/** The consent store of one process; the CLI builds it the same way, without Nest. */
export function createConsentService(
  dataSource: DataSource,
  keyStore: KeyStore,
  config: PraesidiumConfig,
  cache = new ConsentCache(0, { enabled: false }),
): ConsentService {
  return new ConsentService(
    new ConsentStore(dataSource),
    cache,
    new DocumentVault(new KeyEncryptionKeys(keyStore, config.dataDir)),
    new Pseudonymizer(keyStore.secret('pseudonym')),
    config.consent.defaultPermit,
    config.consent.timeZone,
  );
}

/** A PostgreSQL server's connection for LISTEN; undefined on the embedded database (see ConsentChangeFeed). */
function listenConnection(dataSource: DataSource): { connectionString: string } | undefined {
  const url = (dataSource.options as { url?: string }).url;
  return url ? { connectionString: url } : undefined;
}

@Injectable()
class ConsentFeedLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(ConsentChangeFeed) private readonly feed: ConsentChangeFeed) {}

  onModuleInit(): Promise<void> {
    return this.feed.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.feed.stop();
  }
}

@Module({
  imports: [TypeOrmModule.forFeature([ConsentVersionEntity, SourceDocumentEntity])],
  providers: [
    {
      provide: ConsentCache,
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) =>
        listenConnection(dataSource)
          ? new ConsentCache(CACHE_TTL_MS.listening, { enabled: false })
          : new ConsentCache(CACHE_TTL_MS.embedded),
    },
    {
      provide: ConsentChangeFeed,
      inject: [ConsentCache, getDataSourceToken()],
      useFactory: (cache: ConsentCache, dataSource: DataSource) =>
        new ConsentChangeFeed(cache, listenConnection(dataSource)),
    },
    ConsentFeedLifecycle,
    {
      provide: ConsentService,
      inject: [getDataSourceToken(), KeyStore, CONFIG, ConsentCache],
      useFactory: (
        dataSource: DataSource,
        keyStore: KeyStore,
        config: PraesidiumConfig,
        cache: ConsentCache,
      ) => createConsentService(dataSource, keyStore, config, cache),
    },
  ],
  exports: [ConsentService, ConsentChangeFeed],
})
export class ConsentModule {}
