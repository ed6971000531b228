import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { AuditCheckpoints1764100000000 } from './1764100000000-audit-checkpoints.js';
import { AuditPartitions1764200000000 } from './1764200000000-audit-partitions.js';
import { ConsentVersions1764300000000 } from './1764300000000-consent-versions.js';
import { AccessPolicies1764400000000 } from './1764400000000-access-policies.js';
import { BiasReports1764500000000 } from './1764500000000-bias-reports.js';
import { ModelRegistry1764600000000 } from './1764600000000-model-registry.js';
import { ClientKeys1764800000000 } from './1764800000000-client-keys.js';
import { BiasReportPolicy1764900000000 } from './1764900000000-bias-report-policy.js';
import { BiasReportSignatures1765000000000 } from './1765000000000-bias-report-signatures.js';
import { RegulatoryDocuments1765100000000 } from './1765100000000-regulatory-documents.js';
import { ConsoleSecurityOfficer1765200000000 } from './1765200000000-console-security-officer.js';
import { AuditCanonicalEvents1765500000000 } from './1765500000000-audit-canonical-events.js';
import { AuditEventCanonicalOnly1765600000000 } from './1765600000000-audit-event-canonical-only.js';
import { AuditFeedbackIndex1765746000000 } from './1765746000000-audit-feedback-index.js';
import { ModelCanary1765800000000 } from './1765800000000-model-canary.js';
import { ApprovedModelDescription1765900000000 } from './1765900000000-approved-model-description.js';
import { VersionTransitionPermission1765950000000 } from './1765950000000-version-transition-permission.js';
import { SigningCredentialIssuer1766000000000 } from './1766000000000-signing-credential-issuer.js';
import { FeedbackMonitoring1766100000000 } from './1766100000000-feedback-monitoring.js';
import { FeedbackPeriodSetting1766200000000 } from './1766200000000-feedback-period-setting.js';
import { ConsoleSignOuts1766300000000 } from './1766300000000-console-sign-outs.js';
import { PrincipalSuspensions1766400000000 } from './1766400000000-principal-suspensions.js';
import { CanaryScope1766700000000 } from './1766700000000-canary-scope.js';
import { PolicyProposalBase1766800000000 } from './1766800000000-policy-proposal-base.js';
import { PolicyProposalBaseAtProposal1766900000000 } from './1766900000000-policy-proposal-base-at-proposal.js';

/** Every migration, in order. Listed explicitly: ESM builds cannot glob-load classes. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  AuditCheckpoints1764100000000,
  AuditPartitions1764200000000,
  ConsentVersions1764300000000,
  AccessPolicies1764400000000,
  BiasReports1764500000000,
  ModelRegistry1764600000000,
  ClientKeys1764800000000,
  BiasReportPolicy1764900000000,
  BiasReportSignatures1765000000000,
  RegulatoryDocuments1765100000000,
  ConsoleSecurityOfficer1765200000000,
  AuditCanonicalEvents1765500000000,
  AuditEventCanonicalOnly1765600000000,
  AuditFeedbackIndex1765746000000,
  ModelCanary1765800000000,
  ApprovedModelDescription1765900000000,
  VersionTransitionPermission1765950000000,
  SigningCredentialIssuer1766000000000,
  FeedbackMonitoring1766100000000,
  FeedbackPeriodSetting1766200000000,
  ConsoleSignOuts1766300000000,
  PrincipalSuspensions1766400000000,
  CanaryScope1766700000000,
  PolicyProposalBase1766800000000,
  PolicyProposalBaseAtProposal1766900000000,
];
