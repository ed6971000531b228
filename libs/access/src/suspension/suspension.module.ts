import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActiveSuspensions } from './active-suspensions.js';
import { PrincipalSuspensionEntity } from './principal-suspension.entity.js';
import { PrincipalSuspensions } from './principal-suspensions.service.js';

/** Suspended people: enforced by every app's token verifier (AccessModule), managed by governance. */
@Module({
  imports: [TypeOrmModule.forFeature([PrincipalSuspensionEntity])],
  providers: [ActiveSuspensions, PrincipalSuspensions],
  exports: [ActiveSuspensions, PrincipalSuspensions],
})
export class SuspensionModule {}
