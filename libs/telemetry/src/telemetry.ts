import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

let sdk: NodeSDK | undefined;

export interface TelemetryOptions {
  readonly serviceName: string;
  /** Extra processors (tests use an in-memory exporter). */
  readonly spanProcessors?: SpanProcessor[];
}

/** True when the standard OTLP variables name a collector. */
export function isOtlpConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the OpenTelemetry NodeSDK; call it before Nest is created. With OTEL_EXPORTER_OTLP_* set
 * the SDK exports over OTLP as those variables say; otherwise spans are still made (their trace ids
 * go into audit records) but exported nowhere.
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  const exportFromEnv = isOtlpConfigured();
  sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? options.serviceName,
    instrumentations: [],
    ...(exportFromEnv && !options.spanProcessors ? {} : { spanProcessors: options.spanProcessors ?? [] }),
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
