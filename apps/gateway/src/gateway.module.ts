import { Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { AccessModule, BreakGlassModule, PolicyModule, PolicyVersionStamp } from '@praesidium/access';
import { AuditModule } from '@praesidium/audit';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ConsentModule } from '@praesidium/consent';
import { ModelRegistryModule } from '@praesidium/model-registry';
import { platformModules, type PlatformDeps } from '@praesidium/platform';
import { GatewayMetrics } from '@praesidium/telemetry';
import { BackendClient } from './backend/backend-client.js';
import { GatewayAssertionSigner } from './backend/gateway-assertion.js';
import { FeedbackController } from './feedback/feedback.controller.js';
import { InferencePipeline } from './inference/inference-pipeline.service.js';
import { InferenceController } from './inference/inference.controller.js';
import { ModelResolver } from './inference/model-resolver.js';
import { SchemaValidator } from './inference/schema-validator.js';
import { JoseModule } from './jose/jose.module.js';
import { MetricsController } from './metrics.controller.js';
import { OipMetadataController } from './oip-metadata.controller.js';
import { ChatCompletionsController } from './openai/chat-completions.controller.js';
import { BackendGuard } from './resilience/backend-guard.js';
import { MemoryWindowCounter, RateLimiter, RedisWindowCounter } from './resilience/rate-limiter.js';
import { WellKnownController } from './well-known.controller.js';

function rateLimiter(config: PraesidiumConfig): RateLimiter {
  const counter = config.redisUrl ? new RedisWindowCounter(config.redisUrl) : new MemoryWindowCounter();
  return new RateLimiter(config.gateway.rateLimit, counter);
}

@Module({})
export class GatewayModule implements OnModuleDestroy {
  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
  ) {}

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
      controllers: [
        InferenceController,
        ChatCompletionsController,
        OipMetadataController,
        FeedbackController,
        MetricsController,
        WellKnownController,
      ],
      providers: [
        PolicyVersionStamp,
        InferencePipeline,
        ModelResolver,
        SchemaValidator,
        BackendClient,
        GatewayAssertionSigner,
        { provide: GatewayMetrics, useValue: new GatewayMetrics() },
        {
          provide: BackendGuard,
          useFactory: (config: PraesidiumConfig) =>
            new BackendGuard({ ...config.gateway.breaker, concurrency: config.gateway.backendConcurrency }),
          inject: [CONFIG],
        },
        { provide: RateLimiter, useFactory: rateLimiter, inject: [CONFIG] },
      ],
      exports: [GatewayMetrics],
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.limiter.close();
    await this.metrics.shutdown();
  }
}
