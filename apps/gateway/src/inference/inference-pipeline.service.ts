import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import {
  BREAK_GLASS_PURPOSES,
  BreakGlassGrants,
  modelSubject,
  PolicyStore,
  PrincipalSuspendedError,
  TokenVerifier,
  singleBearerToken,
  type ClientConnection,
  type Principal,
} from '@praesidium/access';
import { AuditTrail, type AuditEventInput, type AuditRecord } from '@praesidium/audit';
import { CONFIG, type OutcomeAuditMode, type PraesidiumConfig } from '@praesidium/config';
import { ConsentService, consentActors, consentRefusal } from '@praesidium/consent';
import { sha256Hex } from '@praesidium/digest';
import { approvedDescriptionOf, type DeployedModel } from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';
import { currentTraceId, GatewayMetrics, openSpan, traced, type OpenSpan } from '@praesidium/telemetry';
import type { Attributes, Span } from '@opentelemetry/api';
import { BackendClient, type BackendRequest, type BackendResponse } from '../backend/backend-client.js';
import { GatewayAssertionSigner } from '../backend/gateway-assertion.js';
import type { CallTiming } from '../call-timing.js';
import { errorEvent, relayEventStream } from '../openai/event-stream-relay.js';
import { splitChatContext } from '../openai/chat-request.js';
import { BackendGuard, verdictOf, type CallVerdict } from '../resilience/backend-guard.js';
import { RateLimiter } from '../resilience/rate-limiter.js';
import { splitClinicalContext, type ClinicalContext } from './inference-request.js';
import { servingVersion, type Rollout, type ServedVersion } from './canary-routing.js';
import { ModelResolver } from './model-resolver.js';
import { PendingOutcomes } from './pending-outcomes.js';
import { SchemaValidator } from './schema-validator.js';

/** What every audit record of a call says of where it came from. */
interface CallOrigin {
  /**
   * The model as the caller named it, until the registry resolves it: in the URL, or in a chat call's
   * body (unknown while only the headers are).
   */
  readonly modelName?: string;
  readonly correlationId: string;
  readonly remoteAddress: string;
  /** The TLS connection, for mutual TLS and certificate-bound tokens. */
  readonly connection?: ClientConnection;
}

/** What the edge knows of an inference call from its headers alone, before any of its body is read. */
export interface CallHeaders extends CallOrigin {
  readonly protocol: 'infer' | 'chat';
  /** Every Authorization field of the request: exactly one bearer token is accepted. */
  readonly authorizationFields: readonly string[];
}

/** A caller the edge authenticated: the principal every later step uses, and the call's span. */
export interface AuthenticatedCaller {
  readonly principal: Principal;
  readonly connection?: ClientConnection;
  /** Opened with the authenticate step; the call's other steps run in it, and it ends with the call. */
  readonly span: OpenSpan;
}

export interface InferenceCall extends CallOrigin {
  readonly modelName: string;
  /** A pinned version (`/versions/{version}/infer`); the deployed version otherwise. */
  readonly version?: string;
  /** Authenticated from the headers, before the body was read (see `authenticate`). */
  readonly caller: AuthenticatedCaller;
  readonly rawBody: Buffer;
  readonly body: unknown;
  /** SHA-256 of the body, when it was hashed as it streamed in. */
  readonly requestSha256?: string;
  readonly timing?: CallTiming;
}

export type ChatAnswer =
  | { readonly kind: 'json'; readonly body: Record<string, unknown> }
  | { readonly kind: 'stream'; readonly stream: Readable };

/** What the audit record of a call says, filled in as the steps learn it. */
interface CallFacts {
  /**
   * SHA-256 of the body as received, computed once: every record of the call carries it, but for a
   * refusal of authentication, which comes before any body is read.
   */
  requestSha256?: string;
  principal?: Principal;
  deployed?: DeployedModel;
  /** How the serving version was chosen, once it is (after authorization). */
  rollout?: Rollout;
  context?: ClinicalContext;
  patientPseudonym?: string;
  consent?: { consentId?: string; consentVersion?: number; provisionPath?: string; reason: string };
  requestRecord?: AuditRecord;
  /** The access-policy version that authorized the call. */
  policyVersion?: number;
  /** The break-glass grant that overrode a consent denial. */
  breakGlassGrantId?: string;
  /** Set once the call's last audit record (success or failure) is written. */
  settled?: boolean;
}

/** A call that passed every check, with its request record committed and a backend slot held. */
interface Admitted {
  readonly deployed: ServedVersion;
  readonly backendRequest: BackendRequest;
  /** Gives the backend slot back, saying how the call went. */
  readonly leave: (verdict: CallVerdict) => void;
}

type Splitter = (body: unknown) => { context: ClinicalContext; forwarded: unknown };

export const DECISION_SUPPORT_NOTICE =
  'Decision support only: the output informs, and does not replace, the judgement of a qualified clinician.';

/** How long a normal stop waits for outcome records still committing after release. */
const OUTCOME_DRAIN_MS = 5000;
/** How long a released answer's outcome record waits for the next request record to commit first. */
const OUTCOME_HOLD_MS = 5;

/** The span of a call, by protocol: opened when its caller is authenticated, ended with the call. */
const CALL_SPANS = { infer: 'gateway.infer', chat: 'gateway.chat' } as const;

/** Steps that read the database: an error there that is not a decision means the database is away. */
const DATABASE_STEPS = new Set(['resolve', 'consent']);

/**
 * The inference path, one explicit step after another (DESIGN.md): authenticate → resolve → limit →
 * authorize → consent → validate → audit → forward → respond, for both protocols (Open Inference
 * Protocol v2 and OpenAI chat completions). Authentication runs from the request's headers, before
 * its body is read (`authenticate`, called by the edge); the other steps once the body is parsed.
 * Each step is a span and a latency metric; a refusal anywhere is audited with its reason code;
 * nothing is forwarded before the request's audit record is committed. A whole answer's outcome
 * record commits after its release by default, or before it for the models configured
 * `before-release`; a stream's `[DONE]` always waits for its record.
 */
@Injectable()
export class InferencePipeline implements BeforeApplicationShutdown {
  private readonly logger = new Logger('InferencePipeline');
  private readonly pendingOutcomes = new PendingOutcomes(OUTCOME_HOLD_MS);
  /**
   * Names of the registry models this gateway has resolved: the only model names metrics carry. A
   * name as the caller typed it (a URL, a chat `model`) is unbounded, chosen by anyone, even without a
   * token, and may be anything, a patient reference included; it is labelled `unknown` instead.
   */
  private readonly servedModels = new Set<string>();

  constructor(
    private readonly tokens: TokenVerifier,
    private readonly resolver: ModelResolver,
    private readonly consents: ConsentService,
    private readonly audit: AuditTrail,
    private readonly validator: SchemaValidator,
    private readonly backend: BackendClient,
    private readonly assertions: GatewayAssertionSigner,
    private readonly policies: PolicyStore,
    private readonly breakGlass: BreakGlassGrants,
    private readonly guard: BackendGuard,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics: GatewayMetrics,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  /** Open Inference Protocol v2 `infer`. */
  infer(call: InferenceCall): Promise<Record<string, unknown>> {
    return this.decided(call, async (facts) => {
      const admitted = await this.admit(call, facts, splitClinicalContext);
      const response = await this.forward(call, admitted, (request) => this.backend.post(request));
      const { output, transparency } = await this.respond(call, facts, admitted, response);
      return {
        ...output,
        model_name: admitted.deployed.model.name,
        model_version: admitted.deployed.version.version,
        parameters: {
          ...(typeof output.parameters === 'object' ? output.parameters : {}),
          praesidium: transparency,
        },
      };
    });
  }

  /** OpenAI-compatible chat completions, streamed (SSE) when the caller asks for `stream: true`. */
  chat(call: InferenceCall): Promise<ChatAnswer> {
    return this.decided(call, async (facts) => {
      let stream = false;
      const admitted = await this.admit(call, facts, (body) => {
        const split = splitChatContext(body);
        stream = split.stream;
        return split;
      });
      if (!stream) {
        const response = await this.forward(call, admitted, (request) => this.backend.post(request));
        const { output, transparency } = await this.respond(call, facts, admitted, response);
        return { kind: 'json' as const, body: { ...output, praesidium: transparency } };
      }
      const opened = await this.forward(
        call,
        admitted,
        async (request) => {
          const response = await this.backend.open({ ...request, accept: 'text/event-stream' });
          if (
            response.status < 200 ||
            response.status >= 300 ||
            !response.contentType.startsWith('text/event-stream')
          ) {
            for await (const chunk of response.body) void chunk; // drain, so the connection is reused
            throw new ProblemError(
              'backend.invalid_response',
              'the backend did not answer with an event stream',
            );
          }
          return response;
        },
        { keepSlot: true },
      );
      // From here the answer belongs to the stream: its end, failure or abandonment settles the call.
      return {
        kind: 'stream' as const,
        stream: Readable.from(this.streamAnswer(call, facts, admitted, opened.body), { objectMode: false }),
      };
    });
  }

  /**
   * Runs before Nest closes the HTTP server and, after it, the DataSource (TypeORM's own shutdown
   * hook): outcome records still committing get their chance, and calls answered from now on wait
   * for theirs, so a normal stop loses none.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const left = await this.pendingOutcomes.drain(OUTCOME_DRAIN_MS);
    if (left > 0) this.logger.error(`audit.unavailable: ${left} outcome record(s) still uncommitted at stop`);
  }

  /**
   * The authenticate step, run by the edge from a request's headers before any of its body is read
   * (caller-authentication.ts), so a caller without a valid token cannot make the gateway read,
   * decrypt or parse a body. It opens the call's span; a refusal is audited (`inference.request`,
   * `refused`, with no body hash: there is no body; a suspended caller named) and counted as any
   * refusal of the pipeline.
   */
  async authenticate(headers: CallHeaders): Promise<AuthenticatedCaller> {
    const span = openSpan(
      CALL_SPANS[headers.protocol],
      headers.modelName === undefined ? {} : { 'praesidium.model': headers.modelName },
    );
    try {
      const principal = await span.run(() =>
        this.step('authenticate', {}, () =>
          this.tokens.verify(singleBearerToken(headers.authorizationFields), headers.connection),
        ),
      );
      return { principal, connection: headers.connection, span };
    } catch (error) {
      const problem = asProblem(error);
      // A suspended person's token is valid: the refusal is on the trail under their own name.
      const facts: CallFacts = error instanceof PrincipalSuspendedError ? { principal: error.principal } : {};
      await span.run(() => this.auditFailure(headers, facts, problem));
      span.end(problem);
      throw problem;
    }
  }

  /**
   * Runs a call, in the span its authentication opened, and settles it: metrics by outcome and
   * reason, and for a refusal or failure an audit record with its reason code (unless the stream
   * settles it later).
   */
  private async decided<T>(call: InferenceCall, run: (facts: CallFacts) => Promise<T>): Promise<T> {
    const { span, principal } = call.caller;
    // A chat call's model is known only now, from its body.
    span.setAttribute('praesidium.model', call.modelName);
    return span.run(async () => {
      const facts: CallFacts = { requestSha256: call.requestSha256 ?? sha256Hex(call.rawBody), principal };
      try {
        const result = await run(facts);
        span.end();
        return result;
      } catch (error) {
        const problem = asProblem(error);
        await this.auditFailure(call, facts, problem);
        span.end(problem);
        throw problem;
      }
    });
  }

  /** Every check before forwarding, ending with the request's committed audit record. */
  private async admit(call: InferenceCall, facts: CallFacts, split: Splitter): Promise<Admitted> {
    const { principal } = call.caller;
    const deployment = await this.step('resolve', { 'praesidium.model': call.modelName }, () =>
      this.resolver.resolve(call.modelName, call.version),
    );
    facts.deployed = deployment;
    const { model } = deployment;
    this.servedModels.add(model.name);
    await this.step('limit', {}, () =>
      this.rateLimiter.check(`${principal.issuer} ${principal.subject}`, model.name),
    );
    await this.step('authorize', { 'praesidium.subject': principal.subject }, async () => {
      // An unpinned call asks for the model's deployment, and a canary is part of it (put there by
      // the model owner, with the permission that deploys): the policy judges the deployed version.
      // As approved: a later change of the model's description is for versions yet to be approved.
      const approved = approvedDescriptionOf(model, deployment.version);
      const subject = modelSubject({
        name: model.name,
        departments: approved.departments,
        riskClass: approved.riskClass,
        status: deployment.version.status,
      });
      const { version: policyVersion, ability } = this.policies.authorize(principal);
      facts.policyVersion = policyVersion;
      if (!ability.can('infer', subject)) throw new ProblemError('access.denied');
    });
    const { context, forwarded } = split(call.body);
    facts.context = context;
    facts.patientPseudonym = this.consents.pseudonymize(context.patientReference);
    // One patient meets one version for the whole canary: the routing key is the pseudonym already
    // computed for consent (the correlation id only for a call without a patient). A pinned version
    // has no canary beside it and is served as pinned. A canary's scope is decided on the caller's
    // site and departments as their verified token states them.
    const routed = servingVersion(deployment, facts.patientPseudonym ?? call.correlationId, principal);
    const served: ServedVersion = call.version === undefined ? routed : { ...routed, rollout: 'pinned' };
    facts.deployed = served;
    facts.rollout = served.rollout;
    const { version } = served;
    await this.step('consent', { 'praesidium.purpose_of_use': context.purposeOfUse }, async (span) => {
      const decision = await this.consents.decide(facts.patientPseudonym as string, {
        purposeOfUse: context.purposeOfUse,
        at: new Date(),
        ...consentActors(principal, model.name, this.config.consent.practitionerIssuer),
        roles: principal.roles,
        action: 'use',
      });
      facts.consent = decision;
      span.setAttribute('praesidium.consent.reason', decision.reason);
      const refusal = consentRefusal(decision);
      if (refusal && !(await this.breakGlassOverride(facts, context.purposeOfUse)))
        throw new ProblemError(refusal);
    });
    await this.step('validate', {}, async () =>
      this.validator.check(`${version.id}:input`, version.inputSchema, forwarded, 'request.invalid'),
    );
    // A backend slot is taken before the request record, so a paused or full backend is refused
    // without anything being forwarded; the slot is given back unjudged if the record fails.
    const backendUrl = version.backendUrl;
    const leave = this.guard.enter(new URL(backendUrl).origin);
    try {
      const forwardedBytes = Buffer.from(JSON.stringify(forwarded));
      // The assertion is signed while the request record commits (it needs nothing from it); the
      // backend is called only once both are done, so nothing leaves before the record is durable.
      const [, assertion] = await Promise.all([
        this.step('audit', {}, async () => {
          facts.requestRecord = await this.audit.append(
            this.auditEvent(call, facts, 'inference.request', 'success'),
          );
          // Answers released before commit their outcome records now, while this call's backend
          // works: the request record went alone, and the next call's finds the writer free.
          this.pendingOutcomes.release();
        }),
        this.step('assert', {}, async () => {
          // The audit writer sends its INSERT on the event loop's next turn: signing after it lets
          // the signature's CPU overlap the commit instead of delaying it.
          await setImmediate();
          return this.assertions.sign(
            {
              caller: principal.subject,
              model: model.name,
              modelVersion: version.version,
              purposeOfUse: context.purposeOfUse,
            },
            forwardedBytes,
          );
        }),
      ]);
      return {
        deployed: served,
        leave,
        backendRequest: {
          url: backendUrl,
          body: forwardedBytes,
          headers: { authorization: `Bearer ${assertion}` },
          timeoutMs: this.config.gateway.modelTimeoutsMs[model.name] ?? this.config.gateway.backendTimeoutMs,
        },
      };
    } catch (error) {
      leave('abandoned');
      throw error;
    }
  }

  /**
   * A whole (not streamed) backend answer: a JSON object valid against the version's output schema.
   * Before release, it waits for its committed response record, which the transparency block names;
   * after release (the default), the record is appended without waiting and the block names the
   * request record, committed before forwarding, with the outcome `pending`.
   */
  private respond(call: InferenceCall, facts: CallFacts, admitted: Admitted, response: BackendResponse) {
    return this.step('respond', {}, async () => {
      const output = parseBackendOutput(response.status, response.body);
      const { model, version } = admitted.deployed;
      this.validator.check(`${version.id}:output`, version.outputSchema, output, 'backend.invalid_response');
      const responseSha256 = sha256Hex(response.body);
      if (this.outcomeAuditOf(model.name) === 'before-release') {
        const record = await this.recordResponse(call, facts, responseSha256);
        return { output, transparency: this.transparency(call, admitted.deployed, record, 'committed') };
      }
      this.recordResponseAfterRelease(call, facts, responseSha256);
      const requestRecord = facts.requestRecord as AuditRecord;
      return { output, transparency: this.transparency(call, admitted.deployed, requestRecord, 'pending') };
    });
  }

  /** The model's configured outcome audit; every answer waits for its record once the process stops. */
  private outcomeAuditOf(modelName: string): OutcomeAuditMode {
    const { mode, beforeReleaseModels } = this.config.gateway.outcomeAudit;
    if (this.pendingOutcomes.isClosing || beforeReleaseModels.includes(modelName)) return 'before-release';
    return mode;
  }

  /**
   * The answer is the caller's already: the call counts as a success now, and a failed append is
   * logged (reason code and correlation id only) and counted, never thrown: nobody is left to get it.
   */
  private recordResponseAfterRelease(call: InferenceCall, facts: CallFacts, responseSha256: string): void {
    facts.settled = true;
    this.metrics.decision('success', 'ok', this.metricModel(call.modelName));
    // Built now: the event's trace id and time are the call's, whenever it is appended.
    const event = { ...this.auditEvent(call, facts, 'inference.response', 'success'), responseSha256 };
    const started = performance.now();
    this.pendingOutcomes.hold(() =>
      this.audit.append(event).then(
        () => this.metrics.step('audit_response', (performance.now() - started) / 1000, 'ok'),
        (error: unknown) => {
          const { code } = asProblem(error);
          this.metrics.step('audit_response', (performance.now() - started) / 1000, 'error');
          this.metrics.outcomeLost(code, this.metricModel(call.modelName));
          this.logger.error(`${code}: outcome record lost after release correlationId=${call.correlationId}`);
        },
      ),
    );
  }

  /** Calls the backend once (never retried), timing it apart from the gateway's own work. */
  private async forward<T>(
    call: InferenceCall,
    admitted: Admitted,
    send: (request: BackendRequest) => Promise<T>,
    options: { keepSlot?: boolean } = {},
  ): Promise<T> {
    const version = admitted.deployed.version.version;
    const started = performance.now();
    let verdict: CallVerdict = 'healthy';
    let failed = false;
    try {
      return await this.step('forward', { 'praesidium.model_version': version }, () =>
        send(admitted.backendRequest),
      );
    } catch (error) {
      verdict = verdictOf(error);
      failed = true;
      throw error;
    } finally {
      if (call.timing) call.timing.backendMs += performance.now() - started;
      // A stream keeps its slot until it ends; a call that failed here gives it back now.
      if (!options.keepSlot || failed) admitted.leave(verdict);
    }
  }

  /** The backend's event stream, passed through; see relayEventStream for when `[DONE]` is released. */
  private async *streamAnswer(
    call: InferenceCall,
    facts: CallFacts,
    admitted: Admitted,
    source: AsyncIterable<Buffer>,
  ): AsyncGenerator<Buffer> {
    let verdict: CallVerdict = 'healthy';
    let ended = false;
    try {
      yield* relayEventStream(
        source,
        async ({ sha256 }) => {
          const record = await this.recordResponse(call, facts, sha256);
          ended = true;
          return {
            object: 'chat.completion.chunk',
            model: admitted.deployed.model.name,
            choices: [],
            praesidium: this.transparency(call, admitted.deployed, record, 'committed'),
          };
        },
        this.config.gateway.streamLimits,
      );
    } catch (error) {
      const problem = asProblem(error);
      verdict = verdictOf(problem);
      ended = true;
      await this.auditFailure(call, facts, problem);
      yield errorEvent(problem, call.correlationId);
    } finally {
      admitted.leave(verdict);
      // The caller went away mid-stream: the response record says so.
      if (!ended) await this.auditFailure(call, facts, new ProblemError('request.abandoned'));
    }
  }

  private async recordResponse(
    call: InferenceCall,
    facts: CallFacts,
    responseSha256: string,
  ): Promise<AuditRecord> {
    // Part of the respond step's span; its own latency metric tells the commit apart.
    const started = performance.now();
    const record = await this.audit.append({
      ...this.auditEvent(call, facts, 'inference.response', 'success'),
      responseSha256,
    });
    this.metrics.step('audit_response', (performance.now() - started) / 1000, 'ok');
    facts.settled = true;
    this.metrics.decision('success', 'ok', this.metricModel(call.modelName));
    return record;
  }

  /** EU AI Act Art. 13: what the clinician needs to read the output, and the record it is tied to. */
  private transparency(
    call: InferenceCall,
    deployed: ServedVersion,
    record: AuditRecord,
    outcome: 'pending' | 'committed',
  ) {
    const { model, version } = deployed;
    const approved = approvedDescriptionOf(model, version);
    return {
      model: model.displayName,
      version: version.version,
      // Whether this version served as the deployed one, as a canary on trial, or pinned by the caller.
      rollout: deployed.rollout,
      manifest_sha256: version.manifestSha256,
      intended_use: approved.intendedUse,
      limitations: approved.limitations,
      model_card: `${this.config.http.governanceUrl}/models/${encodeURIComponent(model.name)}`,
      demonstration: model.isDemonstration,
      notice: DECISION_SUPPORT_NOTICE,
      // Always a committed record: the response's, or, while the outcome is pending, the request's.
      audit: { stream: record.streamId, seq: record.seq, hash: record.hash },
      audit_outcome: outcome,
      feedback: `${this.config.http.gatewayUrl}/v2/feedback`,
      correlation_id: call.correlationId,
    };
  }

  /** The model label of a call's metrics: its name once the registry has known it, else `unknown`. */
  private metricModel(name: string | undefined): string {
    return name !== undefined && this.servedModels.has(name) ? name : 'unknown';
  }

  /** A pipeline step: a span, a latency metric, and database errors turned into `database.unavailable`. */
  private async step<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await traced(`gateway.${name}`, attributes, async (span) => {
        try {
          return await work(span);
        } catch (error) {
          if (DATABASE_STEPS.has(name) && !(error instanceof ProblemError))
            throw new ProblemError('database.unavailable');
          throw error;
        }
      });
      this.metrics.step(name, (performance.now() - started) / 1000, 'ok');
      return result;
    } catch (error) {
      this.metrics.step(name, (performance.now() - started) / 1000, 'error');
      throw error;
    }
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
  private async auditFailure(call: CallOrigin, facts: CallFacts, problem: ProblemError): Promise<void> {
    if (facts.settled) return;
    facts.settled = true;
    const forwarded = facts.requestRecord !== undefined;
    this.metrics.decision(forwarded ? 'failure' : 'refused', problem.code, this.metricModel(call.modelName));
    if (problem.code === 'audit.unavailable') return;
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
    call: CallOrigin,
    facts: CallFacts,
    action: string,
    outcome: AuditEventInput['outcome'],
  ): AuditEventInput {
    return {
      action,
      outcome,
      agent: {
        subject: facts.principal?.subject ?? 'unauthenticated',
        issuer: facts.principal?.issuer,
        roles: facts.principal?.roles,
        clientId: facts.principal?.clientId,
        address: call.remoteAddress,
        certificateThumbprint: call.connection?.certificate?.thumbprint,
      },
      entity: {
        model: facts.deployed?.model.name ?? (call.modelName || undefined),
        modelVersion: facts.deployed?.version.version,
        patientPseudonym: facts.patientPseudonym,
        consentId: facts.consent?.consentId,
        consentVersion: facts.consent?.consentVersion,
        provisionPath: facts.consent?.provisionPath,
        // Before authorization, the version in force is stamped by PolicyVersionStamp.
        policyVersion: facts.policyVersion,
        breakGlassGrantId: facts.breakGlassGrantId,
        rollout: facts.rollout,
      },
      purposeOfUse: facts.context?.purposeOfUse,
      requestSha256: facts.requestSha256,
      traceId: currentTraceId(),
      correlationId: call.correlationId,
    };
  }
}

function asProblem(error: unknown): ProblemError {
  return error instanceof ProblemError ? error : new ProblemError('internal.error');
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
