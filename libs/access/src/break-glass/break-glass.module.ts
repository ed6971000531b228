import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BreakGlassEventEntity, BreakGlassGrantEntity } from './break-glass.entity.js';
import { BreakGlassGrants } from './break-glass.service.js';

/** Break-glass grants, for the governance API (declare, end, review) and the gateway (use). */
@Module({
  imports: [TypeOrmModule.forFeature([BreakGlassGrantEntity, BreakGlassEventEntity])],
  providers: [BreakGlassGrants],
  exports: [BreakGlassGrants],
})
export class BreakGlassModule {}
