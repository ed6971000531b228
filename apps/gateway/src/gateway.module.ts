import { Module, type DynamicModule } from '@nestjs/common';
import { AccessModule, BreakGlassModule, PolicyModule } from '@praesidium/access';
import { AuditModule } from '@praesidium/audit';
import { ConsentModule } from '@praesidium/consent';
import { ModelRegistryModule } from '@praesidium/model-registry';
import { platformModules, type PlatformDeps } from '@praesidium/platform';
import { BackendClient } from './backend/backend-client.js';
import { GatewayAssertionSigner } from './backend/gateway-assertion.js';
import { InferencePipeline } from './inference/inference-pipeline.service.js';
import { InferenceController } from './inference/inference.controller.js';
import { SchemaValidator } from './inference/schema-validator.js';
import { JoseModule } from './jose/jose.module.js';
import { WellKnownController } from './well-known.controller.js';

@Module({})
export class GatewayModule {
  static forRoot(deps: PlatformDeps): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ...platformModules(deps),
        AccessModule,
        PolicyModule,
        BreakGlassModule,
        AuditModule.forRoot('gateway'),
        ConsentModule,
        ModelRegistryModule,
        JoseModule,
      ],
      controllers: [InferenceController, WellKnownController],
      providers: [InferencePipeline, SchemaValidator, BackendClient, GatewayAssertionSigner],
    };
  }
}
