import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type PraesidiumConfig } from '@praesidium/config';
import { ChatModelController } from './chat-model.controller.js';
import { GatewayAssertionGuard } from './gateway-assertion.guard.js';
import { OipModelController } from './oip-model.controller.js';

@Module({})
export class SampleModelModule {
  static forRoot(config: PraesidiumConfig): DynamicModule {
    return {
      module: SampleModelModule,
      imports: [ConfigModule.forRoot(config)],
      controllers: [OipModelController, ChatModelController],
      providers: [GatewayAssertionGuard],
    };
  }
}
