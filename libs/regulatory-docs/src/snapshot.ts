import type { ModelClassification, ModelProfile, VersionManifest } from '@praesidium/model-registry';

/** The registry records one document is generated from, as plain data (loaded by `loadSnapshot`). */
export interface RegistrySnapshot {
  readonly model: {
    readonly id: string;
    readonly name: string;
    readonly displayName: string;
    readonly intendedUse: string;
    readonly limitations: string;
    readonly departments: readonly string[];
    readonly riskClass: string;
    readonly profile: Partial<ModelProfile>;
    readonly classification: Partial<ModelClassification>;
  };
  readonly version: {
    readonly id: string;
    readonly version: string;
    readonly status: string;
    readonly manifestSha256: string;
    readonly manifest: Partial<VersionManifest>;
    readonly pccpModifications: readonly string[];
  };
  /** Every version of the model, oldest first (software version history). */
  readonly history: readonly { id: string; version: string; status: string; manifestSha256: string }[];
  readonly datasets: readonly {
    id: string;
    name: string;
    splitRole: string;
    datasheet: Record<string, unknown>;
    contentSha256: string;
    qualityReport: Record<string, unknown> | null;
  }[];
  readonly evidence: readonly {
    id: string;
    kind: string;
    title: string;
    sha256: string;
    details: Record<string, unknown>;
  }[];
  readonly changeControlPlan: { id: string; sha256: string; plan: Record<string, unknown> } | null;
  readonly monitoring: {
    readonly driftChecks: number;
    readonly driftAlerts: number;
    readonly performanceObservations: number;
    readonly performanceAlerts: number;
  };
}
