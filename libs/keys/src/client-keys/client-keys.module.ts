import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientKeyDirectory } from './client-key-directory.js';
import { ClientKeyEntity } from './client-key.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([ClientKeyEntity])],
  providers: [ClientKeyDirectory],
  exports: [ClientKeyDirectory],
})
export class ClientKeysModule {}
