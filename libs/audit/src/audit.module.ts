import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KeyStore } from '@praesidium/keys';
import { AuditEventEntity, AuditStreamEntity } from './audit-event.entity.js';
import { AUDIT_SOURCE, AuditTrail } from './audit-trail.service.js';
import { AuditCheckpoints } from './checkpoint/audit-checkpoints.js';

@Module({})
export class AuditModule {
  /** The audit trail, writing as `source` (gateway, governance), and its signed checkpoints. */
  static forRoot(source: string): DynamicModule {
    return {
      module: AuditModule,
      imports: [TypeOrmModule.forFeature([AuditEventEntity, AuditStreamEntity])],
      providers: [
        { provide: AUDIT_SOURCE, useValue: source },
        AuditTrail,
        {
          provide: AuditCheckpoints,
          inject: [DataSource, KeyStore],
          useFactory: (dataSource: DataSource, keyStore: KeyStore) =>
            new AuditCheckpoints(dataSource, keyStore),
        },
      ],
      exports: [AuditTrail, AuditCheckpoints],
    };
  }
}
