import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { PraesidiumConfig } from './config.schema.js';

/** Injection token of the validated configuration. */
export const CONFIG = Symbol('PRAESIDIUM_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: PraesidiumConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}
