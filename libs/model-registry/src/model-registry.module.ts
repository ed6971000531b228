import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ModelEntity, ModelVersionEntity } from './model.entity.js';
import { ModelRegistry } from './model-registry.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([ModelEntity, ModelVersionEntity])],
  providers: [ModelRegistry],
  exports: [ModelRegistry],
})
export class ModelRegistryModule {}
