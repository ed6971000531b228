import { Injectable, Logger } from '@nestjs/common';
import {
  BREAK_GLASS_PURPOSES,
  BreakGlassGrants,
  modelSubject,
  PolicyStore,
  TokenVerifier,
  singleBearerToken,
  type ClientConnection,
  type Principal,
} from '@praesidium/access';
import { AuditTrail, type AuditEventInput, type AuditRecord } from '@praesidium/audit';
import { ConsentService, consentRefusal } from '@praesidium/consent';
import { sha256Hex } from '@praesidium/digest';
import { ModelRegistry, type DeployedModel } from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';
import { currentTraceId, traced } from '@praesidium/telemetry';
import { BackendClient } from '../backend/backend-client.js';
import { GatewayAssertionSigner } from '../backend/gateway-assertion.js';
import { splitClinicalContext, type ClinicalContext } from './inference-request.js';
import { SchemaValidator } from './schema-validator.js';

export interface InferenceCall {
  readonly modelName: string;
  /** Every Authorization field of the request: exactly one bearer token is accepted. */
  readonly authorizationFields: readonly string[];
  readonly rawBody: Buffer;
  readonly body: unknown;
  readonly correlationId: string;
  readonly remoteAddress: string;
  /** The TLS connection, for mutual TLS and certificate-bound tokens. */
  readonly connection?: ClientConnection;
}

/** What the audit record of a call says, filled in as the steps learn it. */
interface CallFacts {
  /** SHA-256 of the body as received, computed once: every record of the call carries it. */
  requestSha256: string;
  principal?: Principal;
  deployed?: DeployedModel;
  context?: ClinicalContext;
  patientPseudonym?: string;
  consent?: { consentId?: string; consentVersion?: number; provisionPath?: string; reason: string };
  requestRecord?: AuditRecord;
  /** The access-policy version that authorized the call. */
  policyVersion?: number;
  /** The break-glass grant that overrode a consent denial. */
  breakGlassGrantId?: string;
}

export const DECISION_SUPPORT_NOTICE =
  'Decision support only: the output informs, and does not replace, the judgement of a qualified clinician.';

/**
 * The inference path, one explicit step after another (DESIGN.md): authenticate → resolve →
 * authorize → consent → validate → audit → forward → respond. Each step is a span; a refusal
 * anywhere is audited with its reason code; nothing is forwarded before the request's audit record
 * is committed, and no response is released before its own record is.
 */
@Injectable()
export class InferencePipeline {
  private readonly logger = new Logger('InferencePipeline');

  constructor(
    private readonly tokens: TokenVerifier,
    private readonly registry: ModelRegistry,
    private readonly consents: ConsentService,
    private readonly audit: AuditTrail,
    private readonly validator: SchemaValidator,
    private readonly backend: BackendClient,
    private readonly assertions: GatewayAssertionSigner,
    private readonly policies: PolicyStore,
    private readonly breakGlass: BreakGlassGrants,
  ) {}

  infer(call: InferenceCall): Promise<Record<string, unknown>> {
    return traced('gateway.infer', { 'praesidium.model': call.modelName }, async () => {
      const facts: CallFacts = { requestSha256: sha256Hex(call.rawBody) };
      try {
        return await this.run(call, facts);
      } catch (error) {
        await this.auditFailure(call, facts, error);
        throw error;
      }
    });
  }

  private async run(call: InferenceCall, facts: CallFacts): Promise<Record<string, unknown>> {
    facts.principal = await traced('gateway.authenticate', {}, () =>
      this.tokens.verify(singleBearerToken(call.authorizationFields), call.connection),
    );
    const principal = facts.principal;
    facts.deployed = await traced('gateway.resolve', { 'praesidium.model': call.modelName }, () =>
      this.registry.resolveDeployed(call.modelName),
    );
    const { model, version } = facts.deployed;
    await traced('gateway.authorize', { 'praesidium.subject': principal.subject }, async () => {
      const subject = modelSubject({
        name: model.name,
        departments: model.departments,
        riskClass: model.riskClass,
        status: version.status,
      });
      const { version: policyVersion, ability } = this.policies.authorize(principal);
      facts.policyVersion = policyVersion;
      if (!ability.can('infer', subject)) throw new ProblemError('access.denied');
    });
    const { context, forwarded } = splitClinicalContext(call.body);
    facts.context = context;
    facts.patientPseudonym = this.consents.pseudonymize(context.patientReference);
    await traced('gateway.consent', { 'praesidium.purpose_of_use': context.purposeOfUse }, async (span) => {
      const decision = await this.consents.decide(facts.patientPseudonym as string, {
        purposeOfUse: context.purposeOfUse,
        at: new Date(),
        actors: [`Practitioner/${principal.subject}`, `Device/${model.name}`],
        roles: principal.roles,
        action: 'use',
      });
      facts.consent = decision;
      span.setAttribute('praesidium.consent.reason', decision.reason);
      const refusal = consentRefusal(decision);
      if (refusal && !(await this.breakGlassOverride(facts, context.purposeOfUse)))
        throw new ProblemError(refusal);
    });
    await traced('gateway.validate', {}, async () =>
      this.validator.check(`${version.id}:input`, version.inputSchema, forwarded, 'request.invalid'),
    );
    facts.requestRecord = await traced('gateway.audit', {}, () =>
      this.audit.append(this.auditEvent(call, facts, 'inference.request', 'success')),
    );
    const forwardedBytes = Buffer.from(JSON.stringify(forwarded));
    const response = await traced(
      'gateway.forward',
      { 'praesidium.model_version': version.version },
      async () => {
        const assertion = await this.assertions.sign(
          {
            caller: principal.subject,
            model: model.name,
            modelVersion: version.version,
            purposeOfUse: context.purposeOfUse,
          },
          forwardedBytes,
        );
        return this.backend.post(version.backendUrl, forwardedBytes, {
          authorization: `Bearer ${assertion}`,
        });
      },
    );
    return traced('gateway.respond', {}, async () => {
      const output = parseBackendOutput(response.status, response.body);
      this.validator.check(`${version.id}:output`, version.outputSchema, output, 'backend.invalid_response');
      const record = await this.audit.append({
        ...this.auditEvent(call, facts, 'inference.response', 'success'),
        responseSha256: sha256Hex(response.body),
      });
      return {
        ...output,
        model_name: model.name,
        model_version: version.version,
        parameters: {
          ...(typeof output.parameters === 'object' ? output.parameters : {}),
          praesidium: {
            model: model.displayName,
            version: version.version,
            manifest_sha256: version.manifestSha256,
            intended_use: model.intendedUse,
            limitations: model.limitations,
            demonstration: model.isDemonstration,
            notice: DECISION_SUPPORT_NOTICE,
            audit: { stream: record.streamId, seq: record.seq, hash: record.hash },
            correlation_id: call.correlationId,
          },
        },
      };
    });
  }

  /**
   * HIPAA 164.312(a)(2)(ii): a consent denial is overridden only for emergency purposes (ETREAT, BTG),
   * and only for a caller who holds an active break-glass grant for this very patient.
   */
  private async breakGlassOverride(facts: CallFacts, purposeOfUse: string): Promise<boolean> {
    const { principal, patientPseudonym } = facts;
    if (!principal || !patientPseudonym || !BREAK_GLASS_PURPOSES.includes(purposeOfUse)) return false;
    if (!this.policies.abilityFor(principal).can('declare', 'BreakGlass')) return false;
    facts.breakGlassGrantId = await this.breakGlass.activeGrantFor(principal, patientPseudonym);
    return facts.breakGlassGrantId !== undefined;
  }

  /** Refusals before forwarding audit the request; failures after it audit the response. */
  private async auditFailure(call: InferenceCall, facts: CallFacts, error: unknown): Promise<void> {
    const problem = error instanceof ProblemError ? error : new ProblemError('internal.error');
    if (problem.code === 'audit.unavailable') return;
    const forwarded = facts.requestRecord !== undefined;
    try {
      await this.audit.append({
        ...this.auditEvent(
          call,
          facts,
          forwarded ? 'inference.response' : 'inference.request',
          forwarded ? 'failure' : 'refused',
        ),
        reasonCode: problem.code,
      });
    } catch {
      // The caller still gets the refusal; the missing record shows as an audit.unavailable alert.
      this.logger.error(
        `audit.unavailable while recording ${problem.code} correlationId=${call.correlationId}`,
      );
    }
  }

  private auditEvent(
    call: InferenceCall,
    facts: CallFacts,
    action: string,
    outcome: AuditEventInput['outcome'],
  ): AuditEventInput {
    return {
      action,
      outcome,
      agent: facts.principal
        ? {
            subject: facts.principal.subject,
            issuer: facts.principal.issuer,
            roles: facts.principal.roles,
            address: call.remoteAddress,
            clientId: facts.principal.clientId,
            certificateThumbprint: call.connection?.certificate?.thumbprint,
          }
        : {
            subject: 'unauthenticated',
            address: call.remoteAddress,
            certificateThumbprint: call.connection?.certificate?.thumbprint,
          },
      entity: {
        model: facts.deployed?.model.name ?? call.modelName,
        modelVersion: facts.deployed?.version.version,
        patientPseudonym: facts.patientPseudonym,
        consentId: facts.consent?.consentId,
        consentVersion: facts.consent?.consentVersion,
        provisionPath: facts.consent?.provisionPath,
        policyVersion: facts.policyVersion ?? this.policies.activeVersion(),
        breakGlassGrantId: facts.breakGlassGrantId,
      },
      purposeOfUse: facts.context?.purposeOfUse,
      requestSha256: facts.requestSha256,
      traceId: currentTraceId(),
      correlationId: call.correlationId,
    };
  }
}

function parseBackendOutput(status: number, body: Buffer): Record<string, unknown> {
  if (status < 200 || status >= 300)
    throw new ProblemError('backend.invalid_response', `the backend answered ${status}`);
  try {
    const output: unknown = JSON.parse(body.toString('utf8'));
    if (typeof output === 'object' && output !== null && !Array.isArray(output))
      return output as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProblemError(
    'backend.invalid_response',
    'the backend answered with something other than a JSON object',
  );
}
