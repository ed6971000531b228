import { Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { BackendKeyDirectory } from './backend-key-directory.js';
import { BackendKeyEntity } from './backend-key.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([BackendKeyEntity])],
  providers: [
    {
      provide: BackendKeyDirectory,
      inject: [getRepositoryToken(BackendKeyEntity)],
      useFactory: (repository: Repository<BackendKeyEntity>) => new BackendKeyDirectory(repository),
    },
  ],
  exports: [BackendKeyDirectory],
})
export class BackendKeysModule {}
