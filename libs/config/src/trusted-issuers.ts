import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const JWT_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** The JWS `typ` of the demo issuer's access tokens (RFC 9068 §2.1), required of them. */
export const ACCESS_TOKEN_JWS_TYPE = 'at+jwt';

const url = z.url({ protocol: /^https?$/ });
/** A claim path: `realm_access.roles`, or its segments when a name holds a dot (`["resource_access", "my.app", "roles"]`). */
const claimPath = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
/** One path, or several: `"roles"` is short for `["roles"]`. */
const claimPaths = z.union([
  z
    .string()
    .min(1)
    .transform((one) => [one]),
  z.array(claimPath),
]);
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export type ClaimPath = z.infer<typeof claimPath>;

/**
 * Where each Principal attribute is read from in a verified token. Lists are unions of every path
 * that holds a value (Keycloak keeps realm roles and client roles apart); single values take the
 * first path that holds a string. `roleMap` renames IdP roles to Praesidium roles: with a map, an
 * unmapped IdP role is dropped; without one, only roles already named like Praesidium's are kept.
 */
export const claimMappingSchema = z.strictObject({
  roles: claimPaths.default(['roles']),
  departments: claimPaths.default(['department', 'departments']),
  site: claimPaths.default(['site']),
  trainings: claimPaths.default(['trainings']),
  name: claimPaths.default(['name']),
  clientId: claimPaths.default(['azp', 'client_id']),
  roleMap: z
    .record(z.string().min(1), z.string().regex(/^[a-z][a-z-]*$/, 'a Praesidium role name'))
    .optional(),
});
export type ClaimMapping = z.infer<typeof claimMappingSchema>;

/** The default mapping: Praesidium's own claim names (the demo issuer's tokens). */
export const DEFAULT_CLAIM_MAPPING: ClaimMapping = claimMappingSchema.parse({});

const issuerSchema = z
  .strictObject({
    issuer: z.string().min(1),
    audience: oneOrMany,
    /** Fetch `<issuer>/.well-known/openid-configuration` and use its `jwks_uri`. */
    discovery: z.boolean().default(false),
    jwksUrl: url.optional(),
    jwksFile: z.string().min(1).optional(),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['ES256']),
    /** The JWS `typ` every token must carry (e.g. `at+jwt`, RFC 9068), compared as RFC 7515 says. */
    typ: z
      .string()
      .regex(/^[A-Za-z0-9.+/-]{1,64}$/, 'a media type such as at+jwt')
      .optional(),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    maxTokenLifetimeSeconds: z.number().int().min(60).max(86400).default(3600),
    jwksMinRefreshSeconds: z.number().int().min(0).max(86400).default(30),
    requiredClaims: z.array(z.string().min(1)).default([]),
    /** RFC 8705: every token of this issuer must carry `cnf.x5t#S256`. */
    requireCertificateBound: z.boolean().default(false),
    claims: claimMappingSchema.default(DEFAULT_CLAIM_MAPPING),
  })
  .superRefine((issuer, ctx) => {
    const sources = [issuer.discovery, issuer.jwksUrl, issuer.jwksFile].filter(Boolean).length;
    if (sources !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['discovery'],
        message: 'name exactly one key source: "discovery": true, "jwksUrl" or "jwksFile"',
      });
    }
    if (issuer.discovery && !/^https?:\/\//.test(issuer.issuer)) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'discovery needs an http(s) issuer URL' });
    }
  });

export const issuersFileSchema = z.strictObject({
  issuers: z
    .array(issuerSchema)
    .min(1)
    .superRefine((issuers, ctx) => {
      const seen = new Set<string>();
      issuers.forEach((issuer, index) => {
        if (seen.has(issuer.issuer))
          ctx.addIssue({ code: 'custom', path: [index, 'issuer'], message: 'listed twice' });
        seen.add(issuer.issuer);
      });
    }),
});

/** One trusted token issuer, as configured. */
export type TrustedIssuerConfig = z.infer<typeof issuerSchema>;

/**
 * Reads and validates `PRAESIDIUM_AUTH_ISSUERS_FILE`: a list of problems naming each bad field, or
 * the issuers with relative `jwksFile` paths resolved against the file's own directory.
 */
export function readIssuersFile(
  file: string,
): { ok: true; issuers: TrustedIssuerConfig[] } | { ok: false; problems: string[] } {
  const where = `PRAESIDIUM_AUTH_ISSUERS_FILE (${file})`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { ok: false, problems: [`${where}: cannot be read as JSON (${(error as Error).message})`] };
  }
  const parsed = issuersFileSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${where} ${issue.path.join('.')}: ${issue.message}`),
    };
  }
  const base = path.dirname(path.resolve(file));
  return {
    ok: true,
    issuers: parsed.data.issuers.map((issuer) =>
      issuer.jwksFile ? { ...issuer, jwksFile: path.resolve(base, issuer.jwksFile) } : issuer,
    ),
  };
}
