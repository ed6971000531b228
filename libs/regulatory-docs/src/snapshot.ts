import type {
  MetricResult,
  ModelClassification,
  ModelProfile,
  PerformanceFloor,
  VersionManifest,
} from '@praesidium/model-registry';

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
    /** Every performance observation: the schedule's periods and those recorded on request. */
    readonly performanceObservations: number;
    readonly performanceAlerts: number;
    /** Of those, the periods the clinician-feedback schedule recorded (each period once), and their alerts. */
    readonly scheduledPeriods: number;
    readonly scheduledAlerts: number;
    /** Each input-drift check of the version, oldest first (MDR Annex III indicators, PSUR data). */
    readonly driftSeries?: readonly {
      id: string;
      at: string;
      period?: string;
      thresholds: { warn: number; alert: number };
      features: number;
      alertFeatures: readonly string[];
    }[];
    /**
     * The floors clinicians' feedback on the version is held to, as last declared (absent when none
     * were declared, or they were withdrawn): the schedule records each closed period against them.
     */
    readonly declaredFeedbackFloors?: {
      id: string;
      revision: number;
      declaredAt: string;
      declaredBy: string;
      floors: readonly PerformanceFloor[];
    };
    /** Each post-market performance period of the version, oldest first. */
    readonly performanceSeries?: readonly {
      id: string;
      periodStart: string;
      periodEnd: string;
      source: string;
      /**
       * `schedule`: one of the clinician-feedback schedule's periods (`registry.feedback_period_record`
       * names it), with the period length it was cut on and whether it is a transition; `request`:
       * recorded on request (an ad-hoc review, figures handed in), possibly over a scheduled span again.
       */
      recording: 'schedule' | 'request';
      schedule?: { period: string | null; isTransition: boolean };
      recordedBy: string;
      metrics: readonly MetricResult[];
      floors: readonly PerformanceFloor[];
      breaches: readonly { metric: string; subgroup: string; minimum: number; observed?: number }[];
    }[];
  };
  /** The version's lifecycle steps, oldest first (who moved it, when, on which approval record). */
  readonly transitions?: readonly {
    id: string;
    from: string;
    to: string;
    actor: string;
    at: string;
    recordSha256: string;
  }[];
  /** 21 CFR Part 11 signatures on the version's approval record, oldest first. */
  readonly signatures?: readonly {
    id: string;
    printedName: string;
    role: string;
    meaning: string;
    signedAt: string;
    signatureSha256: string;
  }[];
}
