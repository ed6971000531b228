import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Counter, Histogram } from '@opentelemetry/api';

/** Seconds buckets from 0.1 ms to 30 s: gateway steps are sub-millisecond, backends are not. */
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * The gateway's Prometheus metrics, through the OpenTelemetry metrics SDK: decisions by outcome and
 * reason code, latency per pipeline step, the gateway's own overhead, and outcome records lost after
 * release. Labels carry model names, steps, outcomes and reason codes only, never a subject or a
 * patient.
 */
export class GatewayMetrics {
  private readonly exporter = new PrometheusExporter({ preventServerStart: true });
  private readonly provider = new MeterProvider({ readers: [this.exporter] });
  private readonly serializer = new PrometheusSerializer();
  private readonly decisions: Counter;
  private readonly steps: Histogram;
  private readonly overhead: Histogram;
  private readonly outcomesLost: Counter;

  constructor() {
    const meter = this.provider.getMeter('praesidium-gateway');
    this.decisions = meter.createCounter('praesidium_gateway_decisions', {
      description: 'Gateway decisions by outcome (success, refused, failure) and reason code',
    });
    this.steps = meter.createHistogram('praesidium_gateway_step_duration_seconds', {
      description: 'Time spent in each pipeline step',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.overhead = meter.createHistogram('praesidium_gateway_overhead_seconds', {
      description: 'Time spent in the gateway per call, backend time excluded',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.outcomesLost = meter.createCounter('praesidium_gateway_audit_outcome_lost', {
      description:
        'Outcome records of released answers that failed to commit (after-release mode), by reason code',
    });
  }

  decision(outcome: 'success' | 'refused' | 'failure', reason: string, model: string): void {
    this.decisions.add(1, { outcome, reason, model });
  }

  step(step: string, seconds: number, outcome: 'ok' | 'error'): void {
    this.steps.record(seconds, { step, outcome });
  }

  /** An answer was released, its request record committed, and its outcome record then failed. */
  outcomeLost(reason: string, model: string): void {
    this.outcomesLost.add(1, { reason, model });
  }

  gatewayOverhead(seconds: number): void {
    this.overhead.record(seconds);
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    const { resourceMetrics } = await this.exporter.collect();
    return this.serializer.serialize(resourceMetrics);
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
