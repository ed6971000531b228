import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const url = z.url({ protocol: /^https?$/ });

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

export const JWT_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] as const;

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
    PRAESIDIUM_GATEWAY_URL: url.optional(),
    PRAESIDIUM_GOVERNANCE_URL: url.optional(),

    PRAESIDIUM_DEMO: flag.optional(),
    PRAESIDIUM_AUTH_ISSUER: z.string().min(1).optional(),
    PRAESIDIUM_AUTH_AUDIENCE: z.string().min(1).default('praesidium'),
    PRAESIDIUM_AUTH_JWKS_URL: url.optional(),
    PRAESIDIUM_AUTH_JWKS_FILE: z.string().min(1).optional(),
    PRAESIDIUM_AUTH_ALGORITHMS: commaList.pipe(z.array(z.enum(JWT_ALGORITHMS)).min(1)).default(['ES256']),
    PRAESIDIUM_AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    PRAESIDIUM_AUTH_MAX_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),

    PRAESIDIUM_GATEWAY_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1048576),
    PRAESIDIUM_GATEWAY_BACKEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(600000).default(10000),
    PRAESIDIUM_GATEWAY_JWKS_URL: url.optional(),
    PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86400).default(60),
    PRAESIDIUM_CONSENT_DEFAULT_PERMIT: commaList.pipe(z.array(z.enum(PURPOSES_OF_USE))).default([]),
    PRAESIDIUM_BREAK_GLASS_MINUTES: z.coerce
      .number()
      .positive()
      .max(24 * 60)
      .default(60),
    PRAESIDIUM_BREAK_GLASS_WEBHOOK_URL: url.optional(),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    if (production && env.PRAESIDIUM_DEMO === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_DEMO'],
        message: 'the demo cannot run with NODE_ENV=production',
      });
    }
    if (production && !env.PRAESIDIUM_AUTH_ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['PRAESIDIUM_AUTH_ISSUER'],
        message: 'required with NODE_ENV=production',
      });
    }
    if (production && !env.PRAESIDIUM_AUTH_JWKS_URL && !env.PRAESIDIUM_AUTH_JWKS_FILE) {
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
    readonly gatewayUrl: string;
    readonly governanceUrl: string;
  };
  readonly demo: boolean;
  readonly auth: {
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl: string | undefined;
    readonly jwksFile: string | undefined;
    readonly algorithms: readonly (typeof JWT_ALGORITHMS)[number][];
    readonly clockSkewSeconds: number;
    readonly maxTokenLifetimeSeconds: number;
  };
  readonly gateway: {
    readonly bodyLimitBytes: number;
    readonly backendTimeoutMs: number;
    readonly jwksUrl: string;
  };
  readonly consent: { readonly defaultPermit: readonly PurposeOfUse[] };
  /** Seconds between signed audit checkpoints; 0 turns the timer off (checkpoints on demand only). */
  readonly audit: { readonly checkpointIntervalSeconds: number };
  /** HIPAA 164.312(a)(2)(ii) emergency access: how long a grant lasts, and where its alert is posted. */
  readonly breakGlass: { readonly minutes: number; readonly webhookUrl: string | undefined };
}

export function toConfig(env: Environment): PraesidiumConfig {
  const isProduction = env.NODE_ENV === 'production';
  const demo = env.PRAESIDIUM_DEMO ?? !isProduction;
  const localHost = env.PRAESIDIUM_HOST === '0.0.0.0' ? '127.0.0.1' : env.PRAESIDIUM_HOST;
  const gatewayUrl = env.PRAESIDIUM_GATEWAY_URL ?? `http://${localHost}:${env.PRAESIDIUM_GATEWAY_PORT}`;
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
      gatewayUrl,
      governanceUrl,
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
    },
    gateway: {
      bodyLimitBytes: env.PRAESIDIUM_GATEWAY_BODY_LIMIT_BYTES,
      backendTimeoutMs: env.PRAESIDIUM_GATEWAY_BACKEND_TIMEOUT_MS,
      jwksUrl: env.PRAESIDIUM_GATEWAY_JWKS_URL ?? `${gatewayUrl}/.well-known/jwks.json`,
    },
    consent: { defaultPermit: env.PRAESIDIUM_CONSENT_DEFAULT_PERMIT },
    audit: { checkpointIntervalSeconds: env.PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS },
    breakGlass: {
      minutes: env.PRAESIDIUM_BREAK_GLASS_MINUTES,
      webhookUrl: env.PRAESIDIUM_BREAK_GLASS_WEBHOOK_URL,
    },
  };
}
