import path from 'node:path';
import { z } from 'zod';
import {
  ACCESS_TOKEN_JWS_TYPE,
  DEFAULT_CLAIM_MAPPING,
  JWT_ALGORITHMS,
  type JwtAlgorithm,
  type TrustedIssuerConfig,
} from './trusted-issuers.js';

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const url = z.url({ protocol: /^https?$/ });
/** `name=number,name=number`: a number per model name (gateway limits per model). */
const perModel = (max: number) =>
  commaList.pipe(
    z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}=\d+$/, 'model-name=number'))
      .transform((items) =>
        Object.fromEntries(items.map((item) => item.split('=')).map(([k, v]) => [k, Number(v)])),
      )
      .pipe(z.record(z.string(), z.number().int().min(1).max(max))),
  );

/** `name,name`: a list of model names (gateway settings that name models). */
const modelNames = commaList.pipe(
  z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'comma-separated model names')),
);

/** PurposeOfUse codes (v3-ActReason) the gateway accepts on an inference request. */
export const PURPOSES_OF_USE = [
  'TREAT',
  'ETREAT',
  'BTG',
  'HOPERAT',
  'HRESCH',
  'CLINTRCH',
  'PUBHLTH',
  'PATRQT',
] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

/** Mutual TLS on the gateway: no client certificate asked, asked and checked when sent, or required. */
export const MTLS_MODES = ['off', 'optional', 'required'] as const;
export type MtlsMode = (typeof MTLS_MODES)[number];

/**
 * When a successful call's outcome (`inference.response`) record must be committed: before the answer
 * is released, or after it (appended through the same group commit, not waited for). The request
 * record is committed before forwarding either way (DESIGN.md inference path step 7).
 */
export const OUTCOME_AUDIT_MODES = ['after-release', 'before-release'] as const;
export type OutcomeAuditMode = (typeof OUTCOME_AUDIT_MODES)[number];

/**
 * The demo (seed data, persona sign-in, the demo issuer that mints tokens for any role): `auto` runs it
 * only on the zero-configuration default, `on` and `off` say so explicitly. `true` and `false`, its
 * former values, still mean `on` and `off`.
 */
export const DEMO_MODES = ['auto', 'on', 'off'] as const;
export type DemoMode = (typeof DEMO_MODES)[number];
const demoMode = z
  .enum([...DEMO_MODES, 'true', 'false'], { message: `one of ${DEMO_MODES.join(', ')}` })
  .transform((value): DemoMode => (value === 'true' ? 'on' : value === 'false' ? 'off' : value));

/**
 * The period clinicians' feedback is recorded by (UTC): a calendar day, an ISO week (Monday to
 * Monday), a calendar month, or a fixed number of seconds counted from Monday 1970-01-05T00:00Z.
 */
export type FeedbackPeriodLength =
  | { readonly unit: 'day' }
  | { readonly unit: 'week' }
  | { readonly unit: 'month' }
  | { readonly unit: 'seconds'; readonly seconds: number };

/** `day`, `week`, `month` or a whole number of seconds (1 to 366 days). */
const feedbackPeriod = z.union([
  z.enum(['day', 'week', 'month']).transform((unit): FeedbackPeriodLength => ({ unit })),
  z
    .string()
    .regex(/^\d+$/, 'day, week, month or a number of seconds')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1)
        .max(366 * 86400),
    )
    .transform((seconds): FeedbackPeriodLength => ({ unit: 'seconds', seconds })),
]);

/** A period length as PRAESIDIUM_FEEDBACK_PERIOD spells it: `day`, `week`, `month` or its seconds. */
export function feedbackPeriodName(length: FeedbackPeriodLength): string {
  return length.unit === 'seconds' ? String(length.seconds) : length.unit;
}

/** A period length from its name (as PRAESIDIUM_FEEDBACK_PERIOD takes it); undefined if it is none. */
export function parseFeedbackPeriod(name: unknown): FeedbackPeriodLength | undefined {
  const parsed = feedbackPeriod.safeParse(name);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Every environment variable Praesidium reads. Names are grouped by subsystem with the PRAESIDIUM_
 * prefix; ecosystem names (DATABASE_URL, REDIS_URL, OTEL_*) keep their standard spelling.
 */
export const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PRAESIDIUM_DATA_DIR: z.string().min(1).default('./.praesidium'),
    PRAESIDIUM_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug']).default('warn'),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional(),
    PRAESIDIUM_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    PRAESIDIUM_MIGRATE_ON_START: flag.default(true),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .optional(),

    PRAESIDIUM_HOST: z.string().min(1).default('127.0.0.1'),
    PRAESIDIUM_GATEWAY_PORT: port.default(8080),
    PRAESIDIUM_GOVERNANCE_PORT: port.default(8081),
    PRAESIDIUM_SAMPLE_MODEL_PORT: port.default(8090),
    PRAESIDIUM_WORKER_PORT: port.default(8082),
    PRAESIDIUM_GATEWAY_URL: url.optional(),
    PRAESIDIUM_GOVERNANCE_URL: url.optional(),
    /** Longest time a client may take to send a whole request, headers and body (Fastify's default: none). */
    PRAESIDIUM_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),

    PRAESIDIUM_DEMO: demoMode.default('auto'),
    PRAESIDIUM_AUTH_ISSUER: z.string().min(1).optional(),
    PRAESIDIUM_AUTH_AUDIENCE: z.string().min(1).default('praesidium'),
    PRAESIDIUM_AUTH_JWKS_URL: url.optional(),
    PRAESIDIUM_AUTH_JWKS_FILE: z.string().min(1).optional(),
    PRAESIDIUM_AUTH_ALGORITHMS: commaList.pipe(z.array(z.enum(JWT_ALGORITHMS)).min(1)).default(['ES256']),
    PRAESIDIUM_AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    PRAESIDIUM_AUTH_MAX_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
    PRAESIDIUM_AUTH_SUSPENSIONS_REFRESH_MS: z.coerce.number().int().min(0).max(1000).default(500),
    PRAESIDIUM_AUTH_ISSUERS_FILE: z.string().min(1).optional(),

    PRAESIDIUM_GATEWAY_TLS_CERT_FILE: z.string().min(1).optional(),
    PRAESIDIUM_GATEWAY_TLS_KEY_FILE: z.string().min(1).optional(),
    PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
    PRAESIDIUM_GATEWAY_MTLS: z.enum(MTLS_MODES).default('off'),

    PRAESIDIUM_GATEWAY_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1048576),
    PRAESIDIUM_GATEWAY_BACKEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(600000).default(10000),
    PRAESIDIUM_GATEWAY_STREAM_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024 * 1024)
      .max(1024 * 1024 * 1024)
      .default(32 * 1024 * 1024),
    PRAESIDIUM_GATEWAY_STREAM_MAX_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
    PRAESIDIUM_GATEWAY_JWKS_URL: url.optional(),
    PRAESIDIUM_GATEWAY_MODEL_TIMEOUTS_MS: perModel(600000).optional(),
    PRAESIDIUM_GATEWAY_MODEL_BODY_LIMITS: perModel(64 * 1024 * 1024).optional(),
    PRAESIDIUM_GATEWAY_OUTCOME_AUDIT: z
      .enum(OUTCOME_AUDIT_MODES, { message: `one of ${OUTCOME_AUDIT_MODES.join(', ')}` })
      .default('after-release'),
    PRAESIDIUM_GATEWAY_OUTCOME_AUDIT_BEFORE_RELEASE: modelNames.optional(),
    PRAESIDIUM_GATEWAY_BACKEND_CONCURRENCY: z.coerce.number().int().min(1).max(10000).default(64),
    PRAESIDIUM_GATEWAY_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    PRAESIDIUM_GATEWAY_BREAKER_RESET_MS: z.coerce.number().int().min(100).max(3600000).default(30000),
    PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: z.coerce.number().int().min(0).default(600),
    PRAESIDIUM_GATEWAY_RATE_LIMIT_MODEL: z.coerce.number().int().min(0).default(6000),
    PRAESIDIUM_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    PRAESIDIUM_GATEWAY_RATE_LIMIT_FAIL_OPEN: flag.default(false),
    PRAESIDIUM_GATEWAY_METRICS_TOKEN: z.string().min(16).optional(),
    PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS: z.coerce.number().int().min(0).max(1000).default(500),
    PRAESIDIUM_GOVERNANCE_RUNS_JOBS: flag.default(true),
    PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86400).default(60),
    PRAESIDIUM_FEEDBACK_PERIOD: feedbackPeriod.default({ unit: 'week' }),
    PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS: z.coerce.number().int().min(0).max(86400).default(300),
    PRAESIDIUM_CONSENT_DEFAULT_PERMIT: commaList.pipe(z.array(z.enum(PURPOSES_OF_USE))).default([]),
    PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER: z.string().min(1).max(2048).optional(),
    PRAESIDIUM_CONSENT_TIME_ZONE: z
      .string()
      .refine(isTimeZone, 'an IANA time zone such as Europe/Berlin')
      .optional(),
    PRAESIDIUM_BREAK_GLASS_MINUTES: z.coerce
      .number()
      .positive()
      .max(24 * 60)
      .default(60),
    PRAESIDIUM_BREAK_GLASS_WEBHOOK_URL: url.optional(),
    PRAESIDIUM_KEY_GRACE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(90 * 86400)
      .default(86400),
    PRAESIDIUM_SAMPLE_MODEL_KEY_FILE: z.string().min(1).optional(),
    PRAESIDIUM_BIAS_UPLOAD_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(64 * 1024 * 1024),
    // Uploads travel base64 in a JSON body under the 1 MiB request limit: at most 700 KiB decoded.
    PRAESIDIUM_REGISTRY_EVIDENCE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(700 * 1024)
      .default(512 * 1024),

    // The web console's sign-in: OpenID Connect authorization code with PKCE at this issuer (its
    // discovery document names the endpoints); the access tokens it issues are those the API takes.
    PRAESIDIUM_CONSOLE_OIDC_ISSUER: url.optional(),
    PRAESIDIUM_CONSOLE_OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
    /** Secret: a confidential client's secret (a public client with PKCE needs none). */
    PRAESIDIUM_CONSOLE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    PRAESIDIUM_CONSOLE_OIDC_SCOPES: z.string().min(1).max(512).default('openid profile'),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    if (production && env.PRAESIDIUM_DEMO === 'on') {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_DEMO'],
        message:
          'on is refused with NODE_ENV=production (the demo signs anyone in as any role); set off or auto',
      });
    }
    if (production && !env.PRAESIDIUM_AUTH_ISSUER && !env.PRAESIDIUM_AUTH_ISSUERS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_AUTH_ISSUER'],
        message: 'required with NODE_ENV=production (or PRAESIDIUM_AUTH_ISSUERS_FILE)',
      });
    }
    if (
      production &&
      env.PRAESIDIUM_AUTH_ISSUER &&
      !env.PRAESIDIUM_AUTH_JWKS_URL &&
      !env.PRAESIDIUM_AUTH_JWKS_FILE
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_AUTH_JWKS_URL'],
        message: 'required with NODE_ENV=production (or PRAESIDIUM_AUTH_JWKS_FILE)',
      });
    }
    if (
      !production &&
      env.PRAESIDIUM_AUTH_ISSUER &&
      !env.PRAESIDIUM_AUTH_JWKS_URL &&
      !env.PRAESIDIUM_AUTH_JWKS_FILE
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_AUTH_JWKS_URL'],
        message:
          'required when PRAESIDIUM_AUTH_ISSUER names an external issuer (or PRAESIDIUM_AUTH_JWKS_FILE)',
      });
    }
    if (env.PRAESIDIUM_AUTH_JWKS_URL && env.PRAESIDIUM_AUTH_JWKS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_AUTH_JWKS_FILE'],
        message: 'set either the JWKS URL or the file, not both',
      });
    }
    if (env.PRAESIDIUM_CONSOLE_OIDC_ISSUER && !env.PRAESIDIUM_CONSOLE_OIDC_CLIENT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_CONSOLE_OIDC_CLIENT_ID'],
        message: 'required when PRAESIDIUM_CONSOLE_OIDC_ISSUER is set',
      });
    }
    const tls = [env.PRAESIDIUM_GATEWAY_TLS_CERT_FILE, env.PRAESIDIUM_GATEWAY_TLS_KEY_FILE];
    if (tls.filter(Boolean).length === 1) {
      ctx.addIssue({
        code: 'custom',
        path: [
          env.PRAESIDIUM_GATEWAY_TLS_CERT_FILE
            ? 'PRAESIDIUM_GATEWAY_TLS_KEY_FILE'
            : 'PRAESIDIUM_GATEWAY_TLS_CERT_FILE',
        ],
        message: 'the gateway TLS certificate and key go together',
      });
    }
    if (!env.PRAESIDIUM_GOVERNANCE_RUNS_JOBS && !env.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_GOVERNANCE_RUNS_JOBS'],
        message: 'jobs left to worker processes need REDIS_URL (without it jobs run in governance)',
      });
    }
    if (env.PRAESIDIUM_GATEWAY_MTLS !== 'off' && !env.PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE'],
        message: 'required when PRAESIDIUM_GATEWAY_MTLS is optional or required',
      });
    }
    if (env.PRAESIDIUM_GATEWAY_MTLS !== 'off' && !env.PRAESIDIUM_GATEWAY_TLS_CERT_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_GATEWAY_TLS_CERT_FILE'],
        message: 'mutual TLS needs the gateway to serve HTTPS',
      });
    }
  });

export type Environment = z.infer<typeof environmentSchema>;

/** The validated, typed configuration every Praesidium process runs on. */
export interface PraesidiumConfig {
  readonly env: Environment['NODE_ENV'];
  readonly isProduction: boolean;
  readonly dataDir: string;
  readonly logLevel: Environment['PRAESIDIUM_LOG_LEVEL'];
  readonly database: {
    readonly url: string | undefined;
    readonly poolSize: number;
    readonly migrateOnStart: boolean;
  };
  readonly redisUrl: string | undefined;
  readonly http: {
    readonly host: string;
    readonly gatewayPort: number;
    readonly governancePort: number;
    readonly sampleModelPort: number;
    /** The worker's health endpoints (`start --apps worker`). */
    readonly workerPort: number;
    readonly gatewayUrl: string;
    readonly governanceUrl: string;
    /** A request not wholly received in this time is answered 408 and its connection closed. */
    readonly requestTimeoutMs: number;
  };
  /** PRAESIDIUM_DEMO resolved: seed data, the demo issuer and its tokens, the persona picker. */
  readonly demo: boolean;
  readonly auth: {
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl: string | undefined;
    readonly jwksFile: string | undefined;
    readonly algorithms: readonly JwtAlgorithm[];
    readonly clockSkewSeconds: number;
    readonly maxTokenLifetimeSeconds: number;
    /**
     * Every trusted issuer: the single issuer above (the env shorthand, or the demo issuer when the
     * demo runs), then those of PRAESIDIUM_AUTH_ISSUERS_FILE.
     */
    readonly issuers: readonly TrustedIssuerConfig[];
    /**
     * How long the list of suspended people is used before it is read again (ms; at most 1 s, 0: read
     * on every call): how late a suspension made by another process is enforced.
     */
    readonly suspensionsRefreshMs: number;
  };
  readonly gateway: {
    readonly bodyLimitBytes: number;
    readonly backendTimeoutMs: number;
    /** The most a backend's event stream may send, and for how long, before it is cut. */
    readonly streamLimits: { readonly maxBytes: number; readonly maxMs: number };
    readonly jwksUrl: string;
    /** Backend timeout per model name; `backendTimeoutMs` for the others. */
    readonly modelTimeoutsMs: Readonly<Record<string, number>>;
    /** Request body limit per model name; `bodyLimitBytes` for the others. */
    readonly modelBodyLimits: Readonly<Record<string, number>>;
    /**
     * When a successful call's outcome record commits: `mode` for every model, except the models a
     * security officer listed as `before-release` (the answer waits for its record).
     */
    readonly outcomeAudit: {
      readonly mode: OutcomeAuditMode;
      readonly beforeReleaseModels: readonly string[];
    };
    /** Calls in flight per backend origin; more are refused with `backend.saturated`. */
    readonly backendConcurrency: number;
    /** Consecutive backend failures that open its circuit, and how long it stays open. */
    readonly breaker: { readonly failures: number; readonly resetMs: number };
    /** Calls per window per principal and per model (0: no limit); Redis-backed when REDIS_URL is set. */
    readonly rateLimit: {
      readonly perPrincipal: number;
      readonly perModel: number;
      readonly windowSeconds: number;
      /** When the counter store cannot be reached: let calls through (true) or refuse them (false). */
      readonly failOpen: boolean;
    };
    /** How long the deployed version of a model is remembered (ms; at most 1 s, 0: not at all). */
    readonly resolveCacheMs: number;
    /** Bearer token for `GET /metrics`; without it only loopback callers may read metrics. */
    readonly metricsToken: string | undefined;
    /** HTTPS when a certificate is configured; mutual TLS against `clientCaFile` unless `mtls` is off. */
    readonly tls:
      | {
          readonly certFile: string;
          readonly keyFile: string;
          readonly clientCaFile: string | undefined;
          readonly mtls: MtlsMode;
        }
      | undefined;
  };
  readonly consent: {
    readonly defaultPermit: readonly PurposeOfUse[];
    /**
     * The trusted issuer whose subjects a consent's `Practitioner/<subject>` reference names (one
     * without an issuer); a clinician of another issuer is named only by an identifier.
     */
    readonly practitionerIssuer: string | undefined;
    /**
     * The IANA time zone a consent's dates without a time (`2026-11-24`) are read in; unset, such a
     * date may be in any zone, so a grant covers only what it covers in every zone.
     */
    readonly timeZone: string | undefined;
  };
  /**
   * Whether governance processes run the jobs (bias reports, documents, audit verification) besides
   * enqueuing them; false leaves them to `start --apps worker` processes (Bull on Redis only).
   */
  readonly jobs: { readonly runInGovernance: boolean };
  /** Seconds between signed audit checkpoints; 0 turns the timer off (checkpoints on demand only). */
  readonly audit: { readonly checkpointIntervalSeconds: number };
  /**
   * Post-market surveillance of clinicians' feedback: the period each deployed or canary version with
   * declared floors is recorded by, and how often governance looks for closed periods (0: never by
   * itself; `POST /post-market/feedback-schedule/runs` still records them on request).
   */
  readonly feedbackSchedule: { readonly period: FeedbackPeriodLength; readonly checkSeconds: number };
  /** HIPAA 164.312(a)(2)(ii) emergency access: how long a grant lasts, and where its alert is posted. */
  readonly breakGlass: { readonly minutes: number; readonly webhookUrl: string | undefined };
  /** How long a superseded encryption key still decrypts after a rotation. */
  readonly keys: { readonly graceSeconds: number };
  /** The sample model's private encryption JWK: with it, the model takes JWE bodies only. */
  readonly sampleModel: { readonly keyFile: string | undefined };
  /** Bias reports: the largest evaluation file `POST /bias-reports` accepts. */
  readonly bias: { readonly uploadLimitBytes: number };
  /** Model registry evidence: the largest file accepted (stored under `<dataDir>/evidence`). */
  readonly registry: { readonly evidenceMaxBytes: number };
  /**
   * The web console (`{governance}/console`): OpenID Connect sign-in when an issuer is configured, and
   * the persona picker while the embedded demo runs (never in production).
   */
  readonly console: {
    readonly oidc:
      | {
          readonly issuer: string;
          readonly clientId: string;
          /** Secret: never logged. */
          readonly clientSecret: string | undefined;
          readonly scopes: string;
          readonly redirectUri: string;
        }
      | undefined;
    readonly personaPicker: boolean;
  };
}

/**
 * Whether the demo runs. `auto` runs it only where nothing says this is a real deployment: not in
 * production, and no identity provider configured (an issuers file or PRAESIDIUM_AUTH_ISSUER). A
 * hospital that configured its IdP but forgot NODE_ENV=production gets no persona sign-in.
 */
function isDemoOn(env: Environment): boolean {
  if (env.PRAESIDIUM_DEMO !== 'auto') return env.PRAESIDIUM_DEMO === 'on';
  const identityConfigured =
    env.PRAESIDIUM_AUTH_ISSUERS_FILE !== undefined || env.PRAESIDIUM_AUTH_ISSUER !== undefined;
  return env.NODE_ENV !== 'production' && !identityConfigured;
}

export function toConfig(
  env: Environment,
  fileIssuers: readonly TrustedIssuerConfig[] = [],
): PraesidiumConfig {
  const isProduction = env.NODE_ENV === 'production';
  const demo = isDemoOn(env);
  const localHost = env.PRAESIDIUM_HOST === '0.0.0.0' ? '127.0.0.1' : env.PRAESIDIUM_HOST;
  const gatewayScheme = env.PRAESIDIUM_GATEWAY_TLS_CERT_FILE ? 'https' : 'http';
  const gatewayUrl =
    env.PRAESIDIUM_GATEWAY_URL ?? `${gatewayScheme}://${localHost}:${env.PRAESIDIUM_GATEWAY_PORT}`;
  const governanceUrl =
    env.PRAESIDIUM_GOVERNANCE_URL ?? `http://${localHost}:${env.PRAESIDIUM_GOVERNANCE_PORT}`;
  const demoIssuer = `${governanceUrl}/demo-issuer`;
  const issuer = env.PRAESIDIUM_AUTH_ISSUER ?? demoIssuer;
  const jwksUrl =
    env.PRAESIDIUM_AUTH_JWKS_URL ??
    (env.PRAESIDIUM_AUTH_JWKS_FILE
      ? undefined
      : issuer === demoIssuer
        ? `${demoIssuer}/jwks.json`
        : undefined);
  // The env shorthand is trusted when set; its default, the demo issuer, only while the demo runs (with
  // the demo off and no issuer configured, no token is trusted).
  const hasShorthandIssuer = env.PRAESIDIUM_AUTH_ISSUER !== undefined || demo;
  const shorthandIssuer: TrustedIssuerConfig = {
    issuer,
    audience: env.PRAESIDIUM_AUTH_AUDIENCE,
    discovery: false,
    ...(env.PRAESIDIUM_AUTH_JWKS_FILE ? { jwksFile: env.PRAESIDIUM_AUTH_JWKS_FILE } : { jwksUrl }),
    algorithms: env.PRAESIDIUM_AUTH_ALGORITHMS,
    // The demo issuer signs access tokens only, typed as RFC 9068 says; an outside IdP's typing is its own.
    ...(issuer === demoIssuer ? { typ: ACCESS_TOKEN_JWS_TYPE } : {}),
    clockSkewSeconds: env.PRAESIDIUM_AUTH_CLOCK_SKEW_SECONDS,
    maxTokenLifetimeSeconds: env.PRAESIDIUM_AUTH_MAX_TOKEN_LIFETIME_SECONDS,
    jwksMinRefreshSeconds: 30,
    requiredClaims: [],
    requireCertificateBound: false,
    claims: DEFAULT_CLAIM_MAPPING,
  };
  const issuers = [...(hasShorthandIssuer ? [shorthandIssuer] : []), ...fileIssuers];
  return {
    env: env.NODE_ENV,
    isProduction,
    dataDir: path.resolve(env.PRAESIDIUM_DATA_DIR),
    logLevel: env.PRAESIDIUM_LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.PRAESIDIUM_DATABASE_POOL_SIZE,
      migrateOnStart: env.PRAESIDIUM_MIGRATE_ON_START,
    },
    redisUrl: env.REDIS_URL,
    http: {
      host: env.PRAESIDIUM_HOST,
      gatewayPort: env.PRAESIDIUM_GATEWAY_PORT,
      governancePort: env.PRAESIDIUM_GOVERNANCE_PORT,
      sampleModelPort: env.PRAESIDIUM_SAMPLE_MODEL_PORT,
      workerPort: env.PRAESIDIUM_WORKER_PORT,
      gatewayUrl,
      governanceUrl,
      requestTimeoutMs: env.PRAESIDIUM_HTTP_REQUEST_TIMEOUT_MS,
    },
    demo,
    auth: {
      issuer,
      audience: env.PRAESIDIUM_AUTH_AUDIENCE,
      jwksUrl,
      jwksFile: env.PRAESIDIUM_AUTH_JWKS_FILE,
      algorithms: env.PRAESIDIUM_AUTH_ALGORITHMS,
      clockSkewSeconds: env.PRAESIDIUM_AUTH_CLOCK_SKEW_SECONDS,
      maxTokenLifetimeSeconds: env.PRAESIDIUM_AUTH_MAX_TOKEN_LIFETIME_SECONDS,
      issuers,
      suspensionsRefreshMs: env.PRAESIDIUM_AUTH_SUSPENSIONS_REFRESH_MS,
    },
    gateway: {
      bodyLimitBytes: env.PRAESIDIUM_GATEWAY_BODY_LIMIT_BYTES,
      backendTimeoutMs: env.PRAESIDIUM_GATEWAY_BACKEND_TIMEOUT_MS,
      streamLimits: {
        maxBytes: env.PRAESIDIUM_GATEWAY_STREAM_MAX_BYTES,
        maxMs: env.PRAESIDIUM_GATEWAY_STREAM_MAX_SECONDS * 1000,
      },
      jwksUrl: env.PRAESIDIUM_GATEWAY_JWKS_URL ?? `${gatewayUrl}/.well-known/jwks.json`,
      modelTimeoutsMs: env.PRAESIDIUM_GATEWAY_MODEL_TIMEOUTS_MS ?? {},
      // The demo's fluoroscopy frame (a few MB, base64) needs more than the 1 MiB default.
      modelBodyLimits: {
        ...(demo ? { 'fluoro-needle-position': 8 * 1024 * 1024 } : {}),
        ...env.PRAESIDIUM_GATEWAY_MODEL_BODY_LIMITS,
      },
      outcomeAudit: {
        mode: env.PRAESIDIUM_GATEWAY_OUTCOME_AUDIT,
        beforeReleaseModels: env.PRAESIDIUM_GATEWAY_OUTCOME_AUDIT_BEFORE_RELEASE ?? [],
      },
      backendConcurrency: env.PRAESIDIUM_GATEWAY_BACKEND_CONCURRENCY,
      breaker: {
        failures: env.PRAESIDIUM_GATEWAY_BREAKER_FAILURES,
        resetMs: env.PRAESIDIUM_GATEWAY_BREAKER_RESET_MS,
      },
      rateLimit: {
        perPrincipal: env.PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL,
        perModel: env.PRAESIDIUM_GATEWAY_RATE_LIMIT_MODEL,
        windowSeconds: env.PRAESIDIUM_GATEWAY_RATE_LIMIT_WINDOW_SECONDS,
        failOpen: env.PRAESIDIUM_GATEWAY_RATE_LIMIT_FAIL_OPEN,
      },
      metricsToken: env.PRAESIDIUM_GATEWAY_METRICS_TOKEN,
      resolveCacheMs: env.PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS,
      tls:
        env.PRAESIDIUM_GATEWAY_TLS_CERT_FILE && env.PRAESIDIUM_GATEWAY_TLS_KEY_FILE
          ? {
              certFile: env.PRAESIDIUM_GATEWAY_TLS_CERT_FILE,
              keyFile: env.PRAESIDIUM_GATEWAY_TLS_KEY_FILE,
              clientCaFile: env.PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE,
              mtls: env.PRAESIDIUM_GATEWAY_MTLS,
            }
          : undefined,
    },
    consent: {
      defaultPermit: env.PRAESIDIUM_CONSENT_DEFAULT_PERMIT,
      practitionerIssuer: env.PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER ?? issuers[0]?.issuer,
      timeZone: env.PRAESIDIUM_CONSENT_TIME_ZONE,
    },
    jobs: { runInGovernance: env.PRAESIDIUM_GOVERNANCE_RUNS_JOBS },
    audit: { checkpointIntervalSeconds: env.PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS },
    feedbackSchedule: {
      period: env.PRAESIDIUM_FEEDBACK_PERIOD,
      checkSeconds: env.PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS,
    },
    breakGlass: {
      minutes: env.PRAESIDIUM_BREAK_GLASS_MINUTES,
      webhookUrl: env.PRAESIDIUM_BREAK_GLASS_WEBHOOK_URL,
    },
    keys: { graceSeconds: env.PRAESIDIUM_KEY_GRACE_SECONDS },
    sampleModel: { keyFile: env.PRAESIDIUM_SAMPLE_MODEL_KEY_FILE },
    bias: { uploadLimitBytes: env.PRAESIDIUM_BIAS_UPLOAD_LIMIT_BYTES },
    registry: { evidenceMaxBytes: env.PRAESIDIUM_REGISTRY_EVIDENCE_MAX_BYTES },
    console: {
      oidc:
        env.PRAESIDIUM_CONSOLE_OIDC_ISSUER && env.PRAESIDIUM_CONSOLE_OIDC_CLIENT_ID
          ? {
              issuer: env.PRAESIDIUM_CONSOLE_OIDC_ISSUER,
              clientId: env.PRAESIDIUM_CONSOLE_OIDC_CLIENT_ID,
              clientSecret: env.PRAESIDIUM_CONSOLE_OIDC_CLIENT_SECRET,
              scopes: env.PRAESIDIUM_CONSOLE_OIDC_SCOPES,
              redirectUri: `${governanceUrl}/console/auth/callback`,
            }
          : undefined,
      personaPicker: demo && !isProduction,
    },
  };
}

/** Whether the runtime knows `value` as an IANA time zone. */
function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
