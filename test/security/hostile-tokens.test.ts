// Hostile bearer tokens against the real gateway: every case goes over HTTP to
// POST /v2/models/lumbar-esi-outcome/infer with a valid body for the consented demo patient, and must
// come back as the specific problem+json refusal, be in the audit trail under its correlation id, and
// never reach the model. Positive controls prove the forged tokens fail for the intended reason only.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { GATEWAY_ASSERTION_JWS_TYPE } from '@praesidium/access';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME, PERSONAS } from '@praesidium/demo';
import { generateKey, signJwt, toPublicJwk, type Jwk } from '@praesidium/keys';
import type { ReasonCode } from '@praesidium/problem';
import { BackendClient } from '../../apps/gateway/src/backend/backend-client.js';
import { eventually, withOutcome } from '../support/eventually.js';
import { call, type JsonResponse } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import {
  attackerEcKey,
  attackerRsaSigner,
  b64url,
  encodeSegment,
  forge,
  privateKeyOf,
  publicPemOf,
  type AttackerKey,
  type Segment,
  type Signer,
} from './token-forge.js';

const CLINICIAN = PERSONAS['pain-clinician'];
/** Nothing listens on the discard port: a `jku`/`x5u` fetch there could only fail. */
const DISCARD = 'http://127.0.0.1:9';

interface AuditEvent {
  action: string;
  outcome: string;
  reasonCode?: string;
  correlationId?: string;
  agent?: { subject: string; roles?: string[] };
}

/** What a case builds its Authorization header from; made in beforeAll, once the platform runs. */
interface Forgery {
  readonly issuer: string;
  readonly audience: string;
  readonly skew: number;
  readonly maxLifetime: number;
  readonly issuerJwk: Jwk;
  readonly issuerKid: string;
  readonly issuerSigner: Signer;
  readonly issuerPem: string;
  readonly issuerPublicJwk: Record<string, unknown>;
  readonly pseudonymSecret: Buffer;
  readonly gatewayAssertionJwk: Jwk;
  readonly checkpointSigner: Signer;
  readonly otherIssuerJwk: Jwk;
  readonly attacker: AttackerKey;
  readonly rsa: Signer;
  readonly trapUrl: string;
  /** A valid token of the pain clinician, minted by the platform's own demo issuer. */
  readonly persona: string;
}

let f: Forgery;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The pain clinician's claims, valid for 10 minutes, with overrides; `omit` drops claims. */
function claims(
  overrides: Record<string, unknown> = {},
  omit: readonly string[] = [],
): Record<string, unknown> {
  const now = nowSeconds();
  const all: Record<string, unknown> = {
    iss: f.issuer,
    aud: f.audience,
    sub: CLINICIAN.subject,
    name: CLINICIAN.name,
    roles: [...CLINICIAN.roles],
    department: [...CLINICIAN.departments],
    site: CLINICIAN.site,
    trainings: [...CLINICIAN.trainings],
    iat: now,
    nbf: now,
    exp: now + 600,
    jti: randomUUID(),
    ...overrides,
  };
  for (const name of omit) delete all[name];
  return all;
}

function header(
  overrides: Record<string, unknown> = {},
  omit: readonly string[] = [],
): Record<string, unknown> {
  // The demo issuer's tokens are typed `at+jwt` (RFC 9068), and its verifier requires it.
  const all: Record<string, unknown> = { alg: 'ES256', typ: 'at+jwt', kid: f.issuerKid, ...overrides };
  for (const name of omit) delete all[name];
  return all;
}

/** Signed by the trusted issuer's real private key: only the part under test is wrong. */
function issuerSigned(payload: Segment = claims(), head: Segment = header()): string {
  return forge(head, payload, f.issuerSigner);
}

/** Raw JSON text of an object with extra members appended verbatim (e.g. an own `__proto__`). */
function withRawMembers(object: Record<string, unknown>, members: string): string {
  return `${JSON.stringify(object).slice(0, -1)},${members}}`;
}

function bearer(token: string): string {
  return `Bearer ${token}`;
}

function segments(token: string): [string, string, string] {
  const [h, p, s] = token.split('.');
  return [h, p, s];
}

/** The Authorization field to send: none, one, or several fields of the same name. */
type Credentials = string | readonly string[] | undefined;

interface RefusalCase {
  readonly name: string;
  readonly status: number;
  readonly code: ReasonCode;
  readonly authorization: () => Credentials | Promise<Credentials>;
  /** Who the trail must name: nobody for token failures, the verified subject for 403s. */
  readonly agent?: string;
}

const headerCases: RefusalCase[] = [
  { name: 'no Authorization header', status: 401, code: 'token.missing', authorization: () => undefined },
  {
    name: '`Bearer` with an empty token',
    status: 401,
    code: 'token.missing',
    authorization: () => 'Bearer ',
  },
  { name: '`Bearer` alone', status: 401, code: 'token.missing', authorization: () => 'Bearer' },
  {
    name: '`Basic` scheme with a password',
    status: 401,
    code: 'token.missing',
    authorization: () => `Basic ${Buffer.from(`${CLINICIAN.subject}:hunter2`).toString('base64')}`,
  },
  {
    name: '`Basic` scheme carrying a valid JWT',
    status: 401,
    code: 'token.missing',
    authorization: () => `Basic ${f.persona}`,
  },
  {
    name: 'a valid JWT without any scheme',
    status: 401,
    code: 'token.missing',
    authorization: () => f.persona,
  },
  {
    name: 'two tokens in one Bearer credential',
    status: 401,
    code: 'token.missing',
    authorization: () => `Bearer ${f.persona} ${issuerSigned()}`,
  },
  {
    name: 'two Bearer credentials joined by a comma',
    status: 401,
    code: 'token.missing',
    authorization: () => `Bearer ${f.persona}, Bearer ${issuerSigned()}`,
  },
  {
    name: 'a valid token with spaces inside',
    status: 401,
    code: 'token.missing',
    authorization: () => {
      const [h, p, s] = segments(f.persona);
      return `Bearer ${h}. ${p} .${s}`;
    },
  },
];

const malformedCases: RefusalCase[] = [
  { name: 'one segment', status: 401, code: 'token.malformed', authorization: () => bearer(b64url('{}')) },
  {
    name: 'two segments (header.payload)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(segments(issuerSigned()).slice(0, 2).join('.')),
  },
  {
    name: 'four segments',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(`${issuerSigned()}.${b64url('extra')}`),
  },
  {
    name: 'five segments (JWE-shaped)',
    status: 401,
    code: 'token.malformed',
    authorization: () =>
      bearer([encodeSegment({ alg: 'dir', enc: 'A256GCM' }), '', 'aXY', 'Y3Q', 'dGFn'].join('.')),
  },
  {
    name: 'standard base64 (+ / =) instead of base64url',
    status: 401,
    code: 'token.malformed',
    authorization: () => {
      const [h, p, s] = segments(issuerSigned());
      return bearer(`${h}.${Buffer.from(p, 'base64url').toString('base64')}+/==.${s}`);
    },
  },
  {
    name: 'characters outside base64url ($, %, !)',
    status: 401,
    code: 'token.malformed',
    authorization: () => {
      const [h, p, s] = segments(issuerSigned());
      return bearer(`${h}.${p}$%!.${s}`);
    },
  },
  {
    name: 'header that is not JSON',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned(claims(), '{alg: ES256, kid: nope')),
  },
  {
    name: 'header that is a JSON string',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned(claims(), '"ES256"')),
  },
  {
    name: 'header that is JSON null',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned(claims(), 'null')),
  },
  {
    name: 'payload that is not JSON (validly signed)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned('sub=dr.amara.rivera&roles=clinician')),
  },
  {
    name: 'payload that is a JSON string (validly signed)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned(JSON.stringify(JSON.stringify(claims())))),
  },
  {
    name: 'payload that is a JSON array (validly signed)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned([claims()])),
  },
  {
    name: 'payload that is JSON null (validly signed)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned('null')),
  },
  {
    name: 'three empty segments (`..`)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer('..'),
  },
  {
    name: 'empty payload segment (validly signed)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned('')),
  },
];

const signatureCases: RefusalCase[] = [
  {
    name: 'signature stripped (`header.payload.`)',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () => {
      const [h, p] = segments(issuerSigned());
      return bearer(`${h}.${p}.`);
    },
  },
  {
    name: '`alg: none` without a signature',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => bearer(forge(header({ alg: 'none' }, ['kid']), claims())),
  },
  {
    name: '`alg: none` with a signature',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => {
      const [, , s] = segments(issuerSigned());
      return bearer(`${forge(header({ alg: 'none' }), claims())}${s}`);
    },
  },
  {
    name: '`alg: NONE`',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => bearer(forge(header({ alg: 'NONE' }, ['kid']), claims())),
  },
  {
    name: '`alg: nOnE`',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => bearer(forge(header({ alg: 'nOnE' }, ['kid']), claims())),
  },
  {
    name: '`alg: HS256` keyed with the issuer PUBLIC key (PEM) — key confusion',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () =>
      bearer(forge(header({ alg: 'HS256' }), claims(), { alg: 'HS256', secret: f.issuerPem })),
  },
  {
    name: '`alg: HS256` keyed with the platform’s own pseudonym HMAC secret',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () =>
      bearer(forge(header({ alg: 'HS256' }, ['kid']), claims(), { alg: 'HS256', secret: f.pseudonymSecret })),
  },
  {
    name: '`alg: RS256` (only ES256 allowed) with an RSA key',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => bearer(forge(header({ alg: 'RS256', kid: 'rsa-attacker' }), claims(), f.rsa)),
  },
  {
    name: '`alg` missing',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => bearer(issuerSigned(claims(), header({}, ['alg']))),
  },
  {
    name: '`alg: es256` (wrong case)',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => bearer(issuerSigned(claims(), header({ alg: 'es256' }))),
  },
  {
    name: '`alg` as an array',
    status: 401,
    code: 'token.algorithm_forbidden',
    authorization: () => bearer(issuerSigned(claims(), header({ alg: ['ES256'] }))),
  },
  {
    name: 'unknown `kid` (attacker key)',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () => bearer(forge(header({ kid: 'no-such-key' }), claims(), f.attacker.es256)),
  },
  {
    name: '`kid` as an object',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () => bearer(forge(header({ kid: { $ne: null } }), claims(), f.attacker.es256)),
  },
  {
    name: '`kid` with path traversal and SQL',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () =>
      bearer(forge(header({ kid: "../../keys/keystore.json' OR '1'='1" }), claims(), f.attacker.es256)),
  },
  {
    name: 'kid and signature of the gateway-assertion key (a real platform key, not the issuer’s)',
    status: 401,
    code: 'token.signature_invalid',
    authorization: async () =>
      bearer(await signJwt(f.gatewayAssertionJwk, claims(), GATEWAY_ASSERTION_JWS_TYPE)),
  },
  {
    name: 'issuer `kid`, signed by the audit-checkpoint key (another real key)',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () => bearer(forge(header(), claims(), f.checkpointSigner)),
  },
  {
    name: 'forged payload with the signature of another (valid) token',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () => {
      const [h, , s] = segments(f.persona);
      return bearer(`${h}.${encodeSegment(claims({ roles: ['administrator', 'clinician'] }))}.${s}`);
    },
  },
  {
    name: 'attacker ES256 key with the issuer’s `kid`',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () => bearer(forge(header(), claims(), f.attacker.es256)),
  },
  {
    name: 'embedded `jwk` header with the attacker key (no kid)',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () =>
      bearer(forge(header({ jwk: f.attacker.publicJwk }, ['kid']), claims(), f.attacker.es256)),
  },
  {
    name: 'embedded `jwk` header with the attacker key and its kid',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () =>
      bearer(forge(header({ kid: f.attacker.kid, jwk: f.attacker.publicJwk }), claims(), f.attacker.es256)),
  },
  {
    name: 'embedded `x5c` with the attacker public key',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () =>
      bearer(
        forge(
          header({
            kid: f.attacker.kid,
            x5c: [f.attacker.spkiBase64],
          }),
          claims(),
          f.attacker.es256,
        ),
      ),
  },
  {
    name: '`jku` → http://127.0.0.1:9/ (attacker kid)',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () =>
      bearer(forge(header({ kid: f.attacker.kid, jku: `${DISCARD}/jwks.json` }), claims(), f.attacker.es256)),
  },
  {
    name: '`x5u` → http://127.0.0.1:9/ (attacker kid)',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () =>
      bearer(forge(header({ kid: f.attacker.kid, x5u: `${DISCARD}/cert.pem` }), claims(), f.attacker.es256)),
  },
  {
    name: '`jku` → a live server publishing the attacker JWKS',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () =>
      bearer(
        forge(header({ kid: f.attacker.kid, jku: `${f.trapUrl}/jwks.json` }), claims(), f.attacker.es256),
      ),
  },
  {
    name: '`x5u` → a live server',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () =>
      bearer(
        forge(header({ kid: f.attacker.kid, x5u: `${f.trapUrl}/cert.pem` }), claims(), f.attacker.es256),
      ),
  },
  {
    name: 'embedded `jwk` naming the issuer’s own public key (validly signed)',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () => bearer(issuerSigned(claims(), header({ jwk: f.issuerPublicJwk }))),
  },
  {
    name: '`jku` → the live trap server on a validly signed token',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () => bearer(issuerSigned(claims(), header({ jku: `${f.trapUrl}/jwks.json` }))),
  },
  {
    name: '`x5u` → the live trap server on a validly signed token',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () => bearer(issuerSigned(claims(), header({ x5u: `${f.trapUrl}/cert.pem` }))),
  },
  {
    name: '`x5c` with a junk chain on a validly signed token',
    status: 401,
    code: 'token.header_forbidden',
    authorization: () => bearer(issuerSigned(claims(), header({ x5c: ['MIIB'] }))),
  },
  {
    name: '`crit` header present (validly signed)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned(claims(), header({ crit: ['exp'], exp: nowSeconds() + 600 }))),
  },
  {
    name: '`crit` as an empty array (validly signed)',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned(claims(), header({ crit: [] }))),
  },
  {
    name: 'a valid token from a different issuer key, claiming the real `iss`',
    status: 401,
    code: 'token.signature_invalid',
    authorization: async () => bearer(await signJwt(f.otherIssuerJwk, claims(), 'at+jwt')),
  },
  {
    name: 'a valid token from a different issuer key, with its own `iss`',
    status: 401,
    code: 'token.issuer_untrusted',
    authorization: async () =>
      bearer(await signJwt(f.otherIssuerJwk, claims({ iss: 'https://idp.attacker.example/' }))),
  },
  {
    name: 'a 12 KB token (under the header limit) with a junk claim and the attacker key',
    status: 401,
    code: 'token.signature_invalid',
    authorization: () =>
      bearer(forge(header({ kid: f.attacker.kid }), claims({ junk: 'x'.repeat(9000) }), f.attacker.es256)),
  },
];

/** Signed with the issuer's real key, valid in every claim: only the JWS `typ` is not `at+jwt`. */
const typeCases: RefusalCase[] = [
  {
    name: 'typed `JWT`, the generic type (an ID token, or any other JWT of that key)',
    status: 401,
    code: 'token.type_unexpected',
    authorization: () => bearer(issuerSigned(claims(), header({ typ: 'JWT' }))),
  },
  {
    name: 'typed as an audit checkpoint',
    status: 401,
    code: 'token.type_unexpected',
    authorization: () => bearer(issuerSigned(claims(), header({ typ: 'praesidium-checkpoint+jwt' }))),
  },
  {
    name: 'typed as a gateway assertion',
    status: 401,
    code: 'token.type_unexpected',
    authorization: () => bearer(issuerSigned(claims(), header({ typ: GATEWAY_ASSERTION_JWS_TYPE }))),
  },
  {
    name: 'without `typ`',
    status: 401,
    code: 'token.type_unexpected',
    authorization: () => bearer(issuerSigned(claims(), header({}, ['typ']))),
  },
  {
    name: '`typ` not a string',
    status: 401,
    code: 'token.type_unexpected',
    authorization: () => bearer(issuerSigned(claims(), header({ typ: ['at+jwt'] }))),
  },
];

const claimCases: RefusalCase[] = [
  {
    name: 'expired beyond the clock skew',
    status: 401,
    code: 'token.expired',
    authorization: () => {
      const exp = nowSeconds() - f.skew - 60;
      return bearer(issuerSigned(claims({ iat: exp - 600, nbf: exp - 600, exp })));
    },
  },
  {
    name: '`nbf` in the future (beyond skew)',
    status: 401,
    code: 'token.not_yet_valid',
    authorization: () => bearer(issuerSigned(claims({ nbf: nowSeconds() + f.skew + 300 }))),
  },
  {
    name: '`iat` in the future (beyond skew)',
    status: 401,
    code: 'token.not_yet_valid',
    authorization: () => {
      const iat = nowSeconds() + f.skew + 300;
      return bearer(issuerSigned(claims({ iat, nbf: iat, exp: iat + 600 })));
    },
  },
  {
    name: '`exp - iat` one second over the maximum lifetime',
    status: 401,
    code: 'token.lifetime_too_long',
    authorization: () => {
      const iat = nowSeconds() - 10;
      return bearer(issuerSigned(claims({ iat, nbf: iat, exp: iat + f.maxLifetime + 1 })));
    },
  },
  {
    name: '`exp` in the year 2100',
    status: 401,
    code: 'token.lifetime_too_long',
    authorization: () => bearer(issuerSigned(claims({ exp: 4_102_444_800 }))),
  },
  {
    name: '`exp` missing',
    status: 401,
    code: 'token.claims_invalid',
    authorization: () => bearer(issuerSigned(claims({}, ['exp']))),
  },
  {
    name: '`iat` missing',
    status: 401,
    code: 'token.claims_invalid',
    authorization: () => bearer(issuerSigned(claims({}, ['iat']))),
  },
  {
    name: '`exp` as a string',
    status: 401,
    code: 'token.claims_invalid',
    authorization: () => bearer(issuerSigned(claims({ exp: String(nowSeconds() + 600) }))),
  },
  {
    name: '`sub` missing',
    status: 401,
    code: 'token.claims_invalid',
    authorization: () => bearer(issuerSigned(claims({}, ['sub']))),
  },
  {
    name: '`sub` empty',
    status: 401,
    code: 'token.claims_invalid',
    authorization: () => bearer(issuerSigned(claims({ sub: '' }))),
  },
  {
    name: '`sub` a number',
    status: 401,
    code: 'token.claims_invalid',
    authorization: () => bearer(issuerSigned(claims({ sub: 42 }))),
  },
  {
    name: '`iss` wrong',
    status: 401,
    code: 'token.issuer_untrusted',
    authorization: () => bearer(issuerSigned(claims({ iss: 'https://idp.attacker.example/' }))),
  },
  {
    name: '`iss` missing',
    status: 401,
    code: 'token.issuer_untrusted',
    authorization: () => bearer(issuerSigned(claims({}, ['iss']))),
  },
  {
    name: '`iss` with a trailing slash',
    status: 401,
    code: 'token.issuer_untrusted',
    authorization: () => bearer(issuerSigned(claims({ iss: `${f.issuer}/` }))),
  },
  {
    name: '`iss` as an array holding the real issuer',
    status: 401,
    code: 'token.issuer_untrusted',
    authorization: () => bearer(issuerSigned(claims({ iss: [f.issuer] }))),
  },
  {
    name: '`aud` wrong',
    status: 401,
    code: 'token.audience_mismatch',
    authorization: () => bearer(issuerSigned(claims({ aud: 'another-service' }))),
  },
  {
    name: '`aud` missing',
    status: 401,
    code: 'token.audience_mismatch',
    authorization: () => bearer(issuerSigned(claims({}, ['aud']))),
  },
  {
    name: '`aud` array without ours',
    status: 401,
    code: 'token.audience_mismatch',
    authorization: () => bearer(issuerSigned(claims({ aud: ['another-service', `${f.audience}-staging`] }))),
  },
];

const authorizationCases: RefusalCase[] = [
  {
    name: '`roles` missing',
    status: 403,
    code: 'token.roles_missing',
    authorization: () => bearer(issuerSigned(claims({}, ['roles']))),
  },
  {
    name: '`roles` with an unknown role only',
    status: 403,
    code: 'token.roles_missing',
    authorization: () => bearer(issuerSigned(claims({ roles: ['superuser'] }))),
  },
  {
    name: '`roles` with a case variant of a real role',
    status: 403,
    code: 'token.roles_missing',
    authorization: () => bearer(issuerSigned(claims({ roles: ['Clinician'] }))),
  },
  {
    name: 'role and attributes offered only through `__proto__`',
    status: 403,
    code: 'token.roles_missing',
    authorization: () =>
      bearer(
        issuerSigned(
          withRawMembers(
            claims({}, ['roles', 'department', 'trainings']),
            `"__proto__":{"roles":["clinician"],"department":["pain-medicine"],"trainings":["${LUMBAR_ESI_MODEL_NAME}"]}`,
          ),
        ),
      ),
  },
];

/** An unsigned `alg: none` token claiming the administrator role. */
function forgedAdmin(): string {
  return forge(header({ alg: 'none' }, ['kid']), claims({ roles: ['administrator', 'clinician'] }));
}

/** Credentials a proxy and the gateway could read differently: refused as a whole. */
const ambiguousCredentials: RefusalCase[] = [
  {
    name: 'header that is a JSON array',
    status: 401,
    code: 'token.malformed',
    authorization: () => bearer(issuerSigned(claims(), '["ES256"]')),
  },
  {
    // RFC 9110 5.3: Authorization is not a list field, so two of them are one ambiguous credential.
    name: 'two Authorization fields: a valid token, then a forged one',
    status: 401,
    code: 'token.missing',
    authorization: () => [bearer(f.persona), bearer(forgedAdmin())],
  },
  {
    name: 'two Authorization fields: a forged token, then a valid one',
    status: 401,
    code: 'token.missing',
    authorization: () => [bearer(forgedAdmin()), bearer(f.persona)],
  },
];

describe('hostile bearer tokens at the gateway', () => {
  let platform: TestPlatform;
  let inferUrl: string;
  let auditUrl: string;
  let officer: string;
  let trap: Server;
  const trapHits: string[] = [];
  let backendCalls = 0;
  const originalPost = BackendClient.prototype.post;

  beforeAll(async () => {
    // Count every forward to a model backend: a refused call must never reach one.
    BackendClient.prototype.post = function (
      this: BackendClient,
      ...args: Parameters<BackendClient['post']>
    ) {
      backendCalls += 1;
      return originalPost.apply(this, args);
    };
    platform = await startTestPlatform('postgres');
    inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    auditUrl = `${platform.config.http.governanceUrl}/audit/events`;
    officer = await platform.token('security-officer');

    const attacker = attackerEcKey('attacker-es256');
    // A server an attacker controls, publishing its own key: the gateway must never ask it.
    trap = createServer((request, response) => {
      trapHits.push(`${request.method} ${request.url}`);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [attacker.publicJwk] }));
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));

    const issuerJwk = platform.keyStore.current('demo-issuer');
    f = {
      issuer: platform.config.auth.issuer,
      audience: platform.config.auth.audience,
      skew: platform.config.auth.clockSkewSeconds,
      maxLifetime: platform.config.auth.maxTokenLifetimeSeconds,
      issuerJwk,
      issuerKid: issuerJwk.kid,
      issuerSigner: { alg: 'ES256', key: privateKeyOf(issuerJwk) },
      issuerPem: publicPemOf(issuerJwk),
      issuerPublicJwk: { ...(await toPublicJwk(issuerJwk)) },
      pseudonymSecret: platform.keyStore.secret('pseudonym'),
      gatewayAssertionJwk: platform.keyStore.current('gateway-assertion'),
      checkpointSigner: { alg: 'ES256', key: privateKeyOf(platform.keyStore.current('audit-checkpoint')) },
      otherIssuerJwk: await generateKey('sign', 'other-issuer-1'),
      attacker,
      rsa: attackerRsaSigner(),
      trapUrl: `http://127.0.0.1:${(trap.address() as AddressInfo).port}`,
      persona: await platform.token('pain-clinician'),
    };
  });

  afterAll(async () => {
    BackendClient.prototype.post = originalPost;
    await platform?.stop();
    await new Promise((resolve) => trap?.close(resolve));
  });

  /** The inference call, over undici's raw request so each Authorization field goes out as given. */
  async function infer(credentials: Credentials): Promise<JsonResponse> {
    const fields =
      credentials === undefined ? [] : typeof credentials === 'string' ? [credentials] : credentials;
    const response = await request(inferUrl, {
      method: 'POST',
      headers: ['content-type', 'application/json', ...fields.flatMap((value) => ['authorization', value])],
      body: JSON.stringify({
        parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
        inputs: exampleEsiInputs(),
      }),
    });
    const text = await response.body.text();
    const contentType = response.headers['content-type'];
    return {
      status: response.statusCode,
      contentType: typeof contentType === 'string' ? contentType : '',
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  async function auditEvents(query: string): Promise<AuditEvent[]> {
    const response = await call('GET', `${auditUrl}?${query}&limit=1000`, { token: officer });
    expect(response.status).toBe(200);
    return (response.body.records as { event: AuditEvent }[]).map((record) => record.event);
  }

  /** Sends the header and checks the refusal, its audit record, and that no model was reached. */
  async function expectRefusal(
    authorization: Credentials,
    status: number,
    code: string,
    agent = 'unauthenticated',
  ): Promise<void> {
    const callsBefore = backendCalls;
    const response = await infer(authorization);
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status, code, type: `urn:praesidium:problem:${code}` });
    const correlationId = response.body.correlationId;
    expect(typeof correlationId).toBe('string');
    // The refusal never echoes the credential back.
    for (const field of typeof authorization === 'string' ? [authorization] : (authorization ?? [])) {
      const token = field.split(' ').pop() ?? '';
      if (token.length > 16) expect(JSON.stringify(response.body)).not.toContain(token);
    }

    // Audited synchronously, before the answer: found at once under its reason code.
    const refused = (await auditEvents(`reason_code=${encodeURIComponent(code)}`)).filter(
      (event) => event.correlationId === correlationId,
    );
    expect(refused).toEqual([
      expect.objectContaining({
        action: 'inference.request',
        outcome: 'refused',
        reasonCode: code,
        agent: expect.objectContaining({ subject: agent }),
      }),
    ]);
    // ...and it is the only record of the call: no inference.request success, no inference.response.
    const all = (await auditEvents('action=inference.request')).concat(
      await auditEvents('action=inference.response'),
    );
    expect(all.filter((event) => event.correlationId === correlationId)).toEqual(refused);
    expect(backendCalls).toBe(callsBefore);
    // No key URL from any header was ever fetched.
    expect(trapHits).toEqual([]);
  }

  /** A positive control: served, forwarded exactly once, and audited request + response. */
  async function expectServed(authorization: string): Promise<JsonResponse> {
    const callsBefore = backendCalls;
    const response = await infer(authorization);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME, model_version: '1.0.0' });
    const [output] = response.body.outputs as { name: string; data: number[] }[];
    expect(output.name).toBe('probability_meaningful_relief');
    expect(backendCalls).toBe(callsBefore + 1);
    const correlationId = (response.body.parameters as { praesidium: { correlation_id: string } }).praesidium
      .correlation_id;
    // The outcome record may commit just after the answer (after-release).
    const ofCall = (events: AuditEvent[]) => events.filter((event) => event.correlationId === correlationId);
    const events = ofCall(await auditEvents('action=inference.request')).concat(
      await eventually(async () => ofCall(await auditEvents('action=inference.response')), withOutcome),
    );
    expect(events.map((event) => `${event.action}:${event.outcome}`).sort()).toEqual([
      'inference.request:success',
      'inference.response:success',
    ]);
    for (const event of events)
      expect(event.agent).toEqual(
        expect.objectContaining({ subject: CLINICIAN.subject, roles: ['clinician'] }),
      );
    return response;
  }

  function expectNoPollution(): void {
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.roles).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('roles');
  }

  describe('positive controls', () => {
    it('serves the platform-minted persona token', async () => {
      await expectServed(bearer(f.persona));
    });

    it('serves a plain valid token signed with signJwt', async () => {
      await expectServed(bearer(await signJwt(f.issuerJwk, claims(), 'at+jwt')));
    });

    it('serves a valid token forged by hand with node:crypto (so the forgeries below fail for their flaw only)', async () => {
      await expectServed(bearer(issuerSigned()));
    });

    it('serves a token expired by less than the clock skew', async () => {
      const exp = nowSeconds() - Math.floor(f.skew / 3);
      await expectServed(bearer(issuerSigned(claims({ iat: exp - 600, nbf: exp - 600, exp }))));
    });

    it('serves a token typed `application/AT+JWT`: RFC 7515 compares `typ` without case or `application/`', async () => {
      await expectServed(bearer(issuerSigned(claims(), header({ typ: 'application/AT+JWT' }))));
    });

    it('serves a token whose `aud` array includes ours', async () => {
      await expectServed(bearer(issuerSigned(claims({ aud: ['another-service', f.audience] }))));
    });
  });

  describe.each([
    ['the Authorization header', headerCases],
    ['malformed JWTs', malformedCases],
    ['signatures, algorithms and key headers', signatureCases],
    ['JWS types', typeCases],
    ['claims', claimCases],
    ['roles after a valid signature', authorizationCases],
  ] as const)('%s', (_group, cases) => {
    it.each(cases)('$name → $status $code', async ({ authorization, status, code, agent }) => {
      await expectRefusal(await authorization(), status, code, agent);
    });
  });

  describe('key URLs in headers', () => {
    it('never fetched a `jku` or `x5u` URL', () => {
      expect(trapHits).toEqual([]);
    });
  });

  describe('prototype pollution through verified claims and headers', () => {
    it('ignores `__proto__` in the payload: no pollution, roles unchanged, request served', async () => {
      const payload = withRawMembers(
        claims(),
        '"__proto__":{"polluted":"payload","roles":["administrator"]}',
      );
      await expectServed(bearer(issuerSigned(payload)));
      expectNoPollution();
    });

    it('ignores `constructor.prototype` in the payload', async () => {
      const payload = withRawMembers(claims(), '"constructor":{"prototype":{"polluted":"payload"}}');
      await expectServed(bearer(issuerSigned(payload)));
      expectNoPollution();
    });

    it('ignores `__proto__` and `constructor.prototype` in the protected header (merged by node-jose)', async () => {
      const head = withRawMembers(
        header(),
        '"__proto__":{"polluted":"header","alg":"none"},"constructor":{"prototype":{"polluted":"header"}}',
      );
      await expectServed(bearer(issuerSigned(claims(), head)));
      expectNoPollution();
    });
  });

  describe('oversized tokens', () => {
    function hugeToken(): string {
      return issuerSigned(claims({ junk: 'x'.repeat(100 * 1024) }));
    }

    it('refuses a 100 KB token with a 4xx, without reaching the model, and keeps serving', async () => {
      const callsBefore = backendCalls;
      const response = await infer(bearer(hugeToken()));
      // Node's 16 KiB header limit answers 431 before Fastify routes the request.
      expect(response.status).toBe(431);
      expect(backendCalls).toBe(callsBefore);
      await expectServed(bearer(f.persona));
    });

    // Refused by Node before Fastify routes it: still problem+json, and audited shortly after.
    it('answers the 100 KB token with problem+json and a correlation id, and audits it', async () => {
      const response = await infer(bearer(hugeToken()));
      expect(response.status).toBe(431);
      expect(response.contentType).toContain('application/problem+json');
      expect(response.body.code).toBe('request.headers_too_large');
      let audited: unknown[] = [];
      for (let attempt = 0; attempt < 50 && audited.length === 0; attempt += 1) {
        audited = (await auditEvents('reason_code=request.headers_too_large')).filter(
          (event) => event.correlationId === response.body.correlationId,
        );
        if (audited.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(audited).toHaveLength(1);
    });
  });

  describe('ambiguous credentials', () => {
    it.each(ambiguousCredentials)('$name → $status $code', async ({ authorization, status, code }) => {
      await expectRefusal(await authorization(), status, code);
    });
  });
});
