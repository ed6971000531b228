import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventEntity, AuditStreamEntity } from './audit-event.entity.js';
import { AUDIT_SOURCE, AuditTrail } from './audit-trail.service.js';

@Module({})
export class AuditModule {
  /** The audit trail, writing as `source` (gateway, governance). */
  static forRoot(source: string): DynamicModule {
    return {
      module: AuditModule,
      imports: [TypeOrmModule.forFeature([AuditEventEntity, AuditStreamEntity])],
      providers: [{ provide: AUDIT_SOURCE, useValue: source }, AuditTrail],
      exports: [AuditTrail],
    };
  }
}
