import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PolicyActivationEntity, PolicyVersionEntity } from './policy.entity.js';
import { PolicyStore } from './policy-store.service.js';
import { PolicyVersions } from './policy-versions.service.js';

/** The access policy in force (PolicyStore) and its versions (PolicyVersions), for every app. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([PolicyVersionEntity, PolicyActivationEntity])],
  providers: [PolicyStore, PolicyVersions],
  exports: [PolicyStore, PolicyVersions],
})
export class PolicyModule {}
