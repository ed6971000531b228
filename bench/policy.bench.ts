/**
 * Access policy and JOSE on the request path: what does an authorization decision cost, with and without a
 * cache, what does bearer-token verification cost, with and without the verifier's cache, and what do
 * node-jose's ES256 operations cost next to node:crypto's own?
 *
 * Measurements (each a latency distribution of single operations, timed with process.hrtime.bigint()):
 *   timer_overhead                two back-to-back hrtime reads around an empty function: the floor
 *                                 included in every figure below (matters for the sub-µs ones)
 *   decision_uncached             (a) `defineAbilityFor(principal).can('infer', subject)`: an ability built
 *                                 from the seed policy document on every request (no cache)
 *   decision_prebuilt_ability     (b) `can('infer', subject)` on an ability built beforehand
 *   decision_cached_by_attributes (c) the gateway's path: libs/access `AbilityCache.abilityFor(active policy,
 *                                 principal)` (a Map keyed by policy version and the principal's attributes,
 *                                 whose key is computed once per Principal object), then `can()`: the
 *                                 summary's `cached_decision_*`
 *   decision_cached_fresh_principal the same cache given a new Principal object on every call (the key is
 *                                 recomputed: the worst case of a token the verifier had not cached)
 *   decision_cached_by_identity   a WeakMap keyed by the Principal object (the verifier's cache hands the
 *                                 same object back for a repeated token), then `can()`
 *   model_subject                 `modelSubject(...)`, which the gateway also builds per request
 *   token_verify_uncached         (d) `TokenVerifier.verifyClaims` of a fresh token each time (node-jose
 *                                 ES256 verify + header and claim checks)
 *   token_verify_cached           (e) `TokenVerifier.verify` of the same token (SHA-256 + Map lookup)
 *   jws_verify_node_jose          the node-jose verification alone (`verificationKeys(...).verify`)
 *   jwt_verify_node_crypto        the same tokens verified with node:crypto (split, base64url, verify,
 *                                 JSON.parse): what `jws_verify_node_jose` would become after a swap
 *   assertion_sign_node_jose      (f) `GatewayAssertionSigner.sign` of a realistic forwarded body (per
 *                                 forwarded call: body SHA-256, claims, node-jose ES256 compact JWS)
 *   assertion_sign_node_crypto    the same assertion built and signed with node:crypto, key prepared once
 *   es256_sign_node_crypto        (g) `crypto.sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' })` of
 *                                 an assertion's signing input
 *   es256_verify_node_crypto      (g) `crypto.verify` of node-jose's signature over that same input
 * Decision lines also give the figures of allowed and of denied requests apart (the request mix, 64
 * principals × 8 models in a fixed shuffled order, is mostly denials; real traffic is mostly allowed).
 * Measurements run in interleaved rounds (ROUNDS), after a warm-up each, so load from other processes
 * falls on all of them alike. Before timing, every decision path is checked to agree with
 * `defineAbilityFor` on every principal × model pair, and node-jose and node:crypto are checked to accept
 * each other's signatures.
 *
 * Output: one JSON line per measurement on stdout, then a summary line with the issue's figures and the
 * goal (cached decision median ≤ 5 µs). BENCH_FAST_ITERATIONS (200000, sub-10 µs operations),
 * BENCH_BUILD_ITERATIONS (20000, decision_uncached), BENCH_SLOW_ITERATIONS (3000, signatures) and
 * BENCH_MAX_SECONDS (40, the time all timed loops may take together) bound the work. No database.
 *
 * Run with `npm run bench:policy`.
 */
import 'reflect-metadata';
import {
  AbilityCache,
  DEFAULT_POLICY,
  GATEWAY_ASSERTION_JWS_TYPE,
  StaticJwksSource,
  TokenVerifier,
  defineAbilityFor,
  modelSubject,
  type ActivePolicy,
  type AppAbility,
  type ModelSubject,
  type Principal,
  type Role,
  type TokenPolicy,
} from '@praesidium/access';
import { sha256Hex } from '@praesidium/digest';
import { generateKey, signJwt, toPublicJwk, verificationKeys, type KeyStore } from '@praesidium/keys';
import {
  createPrivateKey,
  createPublicKey,
  randomUUID,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import os from 'node:os';
import {
  GatewayAssertionSigner,
  type AssertionSubject,
} from '../apps/gateway/src/backend/gateway-assertion.js';
import { percentile, positiveInt, print, round } from './support/stats.js';

const FAST = positiveInt(process.env.BENCH_FAST_ITERATIONS, 200_000);
const BUILD = positiveInt(process.env.BENCH_BUILD_ITERATIONS, 20_000);
const SLOW = positiveInt(process.env.BENCH_SLOW_ITERATIONS, 3000);
const MAX_SECONDS = positiveInt(process.env.BENCH_MAX_SECONDS, 40);
const ROUNDS = 5;
const FAST_WARMUP = 20_000;
const BUILD_WARMUP = 2000;
const SLOW_WARMUP = 200;
const GOAL_CACHED_DECISION_US = 5;
/** The bench's ability cache holds at most this many abilities (TokenVerifier's cache limit too). */
const ABILITY_CACHE_LIMIT = 10_000;

const ISSUER = 'https://idp.bench.praesidium.test';
const AUDIENCE = 'praesidium-gateway';
const TOKEN_POLICY: TokenPolicy = {
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['ES256'],
  clockSkewSeconds: 30,
  maxTokenLifetimeSeconds: 3600,
};

const DEPARTMENTS = [
  'pain-medicine',
  'spine',
  'cardiology',
  'oncology',
  'radiology',
  'emergency',
  'intensive-care',
  'pediatrics',
];
const MODELS: readonly ModelSubject[] = [
  {
    name: 'lumbar-esi-outcome',
    departments: ['pain-medicine', 'spine'],
    riskClass: 'IIa',
    status: 'deployed',
  },
  {
    name: 'sepsis-early-warning',
    departments: ['emergency', 'intensive-care'],
    riskClass: 'IIb',
    status: 'deployed',
  },
  { name: 'ecg-af-detector', departments: ['cardiology', 'emergency'], riskClass: 'IIa', status: 'deployed' },
  {
    name: 'chest-xray-triage',
    departments: ['radiology', 'emergency'],
    riskClass: 'IIb',
    status: 'deployed',
  },
  { name: 'oncology-toxicity', departments: ['oncology'], riskClass: 'IIa', status: 'deployed' },
  {
    name: 'pediatric-dosing',
    departments: ['pediatrics', 'intensive-care'],
    riskClass: 'IIb',
    status: 'deployed',
  },
  {
    name: 'readmission-risk',
    departments: ['cardiology', 'intensive-care', 'oncology'],
    riskClass: 'I',
    status: 'deployed',
  },
  { name: 'spine-mri-grading', departments: ['spine', 'radiology'], riskClass: 'IIa', status: 'deployed' },
];
const PRINCIPALS = 64;

type Measurement =
  | { readonly kind: 'sync'; readonly op: () => unknown }
  | { readonly kind: 'async'; readonly op: () => Promise<unknown> };

interface Spec {
  readonly name: string;
  readonly path: string;
  readonly iterations: number;
  readonly warmup: number;
  /** An authorization decision: its figures are also given apart for allowed and denied requests. */
  readonly decision?: true;
  readonly run: Measurement;
}

interface Result {
  readonly bench: 'policy';
  readonly measurement: string;
  readonly path: string;
  readonly ops: number;
  readonly truncated: boolean;
  readonly median_us: number;
  readonly p95_us: number;
  readonly p99_us: number;
  readonly mean_us: number;
  readonly min_us: number;
  readonly max_us: number;
  readonly ops_per_s: number;
  /** Decisions only: the same figures split by outcome (allowed and denied requests cost differently). */
  readonly allowed?: OutcomeFigures;
  readonly denied?: OutcomeFigures;
}

interface OutcomeFigures {
  readonly ops: number;
  readonly median_us: number;
  readonly p99_us: number;
}

const NO_OUTCOME = 0;
const ALLOWED = 1;
const DENIED = 2;

/** Results are folded in here so no timed operation is dead code. */
let sink = 0;

/** Folds a result into the sink and tells a decision's outcome. */
function consume(value: unknown): number {
  if (value === true) {
    sink += 1;
    return ALLOWED;
  }
  if (value === false) return DENIED;
  if (typeof value === 'string' || value instanceof Uint8Array) sink += value.length;
  else if (value !== undefined) sink += 1;
  return NO_OUTCOME;
}

/** The alternative: one ability per Principal object (a repeated token yields the same object). */
class IdentityAbilityCache {
  private readonly abilities = new WeakMap<Principal, AppAbility>();

  for(principal: Principal): AppAbility {
    let ability = this.abilities.get(principal);
    if (ability === undefined) {
      ability = defineAbilityFor(principal);
      this.abilities.set(principal, ability);
    }
    return ability;
  }
}

async function main(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  const cpus = os.cpus();
  print({
    bench: 'policy',
    measurement: 'environment',
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    rounds: ROUNDS,
  });

  // --- Decisions: principals and models of a small hospital, requests in a fixed shuffled order. ---
  const principals = Array.from({ length: PRINCIPALS }, (_, i) => principalFor(i));
  const subjects = MODELS.map((model) => modelSubject(model));
  const pairs = shuffled(
    principals.flatMap((_, p) => subjects.map((_, s) => [p, s] as const)),
    0x5eed,
  );
  const prebuilt = principals.map((principal) => defineAbilityFor(principal));
  const active: ActivePolicy = { version: 1, document: DEFAULT_POLICY };
  const byAttributes = new AbilityCache(ABILITY_CACHE_LIMIT);
  const byIdentity = new IdentityAbilityCache();
  let allowed = 0;
  for (const [p, s] of pairs) {
    const expected = defineAbilityFor(principals[p]).can('infer', subjects[s]);
    const answers = [
      prebuilt[p].can('infer', subjects[s]),
      byAttributes.abilityFor(active, principals[p]).can('infer', subjects[s]),
      byAttributes.abilityFor(active, { ...principals[p] }).can('infer', subjects[s]),
      byIdentity.for(principals[p]).can('infer', subjects[s]),
    ];
    if (answers.some((answer) => answer !== expected)) {
      throw new Error(`decision mismatch for principal ${p}, model ${MODELS[s].name}`);
    }
    if (expected) allowed += 1;
  }
  if (allowed === 0 || allowed === pairs.length) throw new Error('the request mix must both allow and deny');
  print({
    bench: 'policy',
    measurement: 'decision_check',
    principals: principals.length,
    models: subjects.length,
    pairs: pairs.length,
    allowed,
    denied: pairs.length - allowed,
    all_paths_agree: true,
  });
  let next = 0;
  const nextPair = (): readonly [number, number] => pairs[next++ % pairs.length];

  // --- Tokens: an issuer key, a verifier over its JWKS, fresh tokens for the uncached path. ---
  const idpKey = await generateKey('sign', 'idp-bench-1');
  const idpPublic = await toPublicJwk(idpKey);
  const verifier = new TokenVerifier(TOKEN_POLICY, new StaticJwksSource({ keys: [idpPublic] }));
  const joseKeys = await verificationKeys({ keys: [idpPublic] });
  const idpPublicKey = createPublicKey({ key: idpPublic as JsonWebKey, format: 'jwk' });
  const freshTokens = await Promise.all(
    Array.from({ length: SLOW + SLOW_WARMUP }, (_, i) =>
      signJwt(idpKey, tokenClaims(principals[i % PRINCIPALS])),
    ),
  );
  const repeatedToken = freshTokens[0];
  const principal = await verifier.verify(repeatedToken);
  if ((await verifier.verify(repeatedToken)) !== principal) throw new Error('the verifier cache missed');
  let nextFresh = 0;
  const freshToken = (): string => freshTokens[nextFresh++ % freshTokens.length];
  let nextFreshCrypto = 0;
  const freshTokenCrypto = (): string => freshTokens[nextFreshCrypto++ % freshTokens.length];
  let nextFreshJose = 0;
  const freshTokenJose = (): string => freshTokens[nextFreshJose++ % freshTokens.length];

  // --- Gateway assertions: the signer the gateway uses, over a stand-in key store. ---
  const assertionKey = await generateKey('sign', 'gateway-assertion-bench-1');
  const assertionPublic = await toPublicJwk(assertionKey);
  const keyStore = { current: () => assertionKey } as unknown as KeyStore;
  const assertions = new GatewayAssertionSigner(keyStore);
  const assertionSubject: AssertionSubject = {
    caller: 'dr-rivera',
    model: MODELS[0].name,
    modelVersion: '1.4.0',
    purposeOfUse: 'TREAT',
  };
  const body = forwardedBody();
  const privateKey = createPrivateKey({ key: assertionKey as JsonWebKey, format: 'jwk' });
  const publicKey = createPublicKey({ key: assertionPublic as JsonWebKey, format: 'jwk' });
  const joseAssertion = await assertions.sign(assertionSubject, body);
  const signingInput = Buffer.from(joseAssertion.slice(0, joseAssertion.lastIndexOf('.')), 'utf8');
  const joseSignature = Buffer.from(joseAssertion.slice(joseAssertion.lastIndexOf('.') + 1), 'base64url');
  const cryptoAssertion = signAssertionNodeCrypto(privateKey, assertionKey.kid, assertionSubject, body);
  const assertionKeys = await verificationKeys({ keys: [assertionPublic] });
  const interop = {
    node_crypto_verifies_node_jose: verify(
      'sha256',
      signingInput,
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      joseSignature,
    ),
    node_jose_verifies_node_crypto:
      Buffer.from(
        await assertionKeys.verify(cryptoAssertion, {
          algorithms: ['ES256'],
          expectedTyp: GATEWAY_ASSERTION_JWS_TYPE,
        }),
      ).toString('utf8') === Buffer.from(cryptoAssertion.split('.')[1], 'base64url').toString('utf8'),
    node_crypto_verifies_idp_token:
      verifyJwtNodeCrypto(idpPublicKey, repeatedToken).sub === principal.subject,
  };
  if (!Object.values(interop).every(Boolean))
    throw new Error(`interop check failed: ${JSON.stringify(interop)}`);
  print({ bench: 'policy', measurement: 'interop_check', ...interop });

  const specs: Spec[] = [
    {
      name: 'timer_overhead',
      path: 'hrtime.bigint() twice around an empty function',
      iterations: FAST,
      warmup: FAST_WARMUP,
      run: { kind: 'sync', op: () => undefined },
    },
    {
      name: 'decision_uncached',
      path: "(a) defineAbilityFor(principal).can('infer', subject): the ability built per request",
      iterations: BUILD,
      warmup: BUILD_WARMUP,
      decision: true,
      run: {
        kind: 'sync',
        op: () => {
          const [p, s] = nextPair();
          return defineAbilityFor(principals[p]).can('infer', subjects[s]);
        },
      },
    },
    {
      name: 'decision_prebuilt_ability',
      path: "(b) ability.can('infer', subject) on an ability built beforehand",
      iterations: FAST,
      warmup: FAST_WARMUP,
      decision: true,
      run: {
        kind: 'sync',
        op: () => {
          const [p, s] = nextPair();
          return prebuilt[p].can('infer', subjects[s]);
        },
      },
    },
    {
      name: 'decision_cached_by_attributes',
      path: "(c) AbilityCache.abilityFor(active policy, principal) then can('infer', subject), as the gateway does",
      iterations: FAST,
      warmup: FAST_WARMUP,
      decision: true,
      run: {
        kind: 'sync',
        op: () => {
          const [p, s] = nextPair();
          return byAttributes.abilityFor(active, principals[p]).can('infer', subjects[s]);
        },
      },
    },
    {
      name: 'decision_cached_fresh_principal',
      path: "AbilityCache.abilityFor(active policy, a new Principal object) then can('infer', subject)",
      iterations: FAST,
      warmup: FAST_WARMUP,
      decision: true,
      run: {
        kind: 'sync',
        op: () => {
          const [p, s] = nextPair();
          return byAttributes.abilityFor(active, { ...principals[p] }).can('infer', subjects[s]);
        },
      },
    },
    {
      name: 'decision_cached_by_identity',
      path: "WeakMap.get(principal) then can('infer', subject)",
      iterations: FAST,
      warmup: FAST_WARMUP,
      decision: true,
      run: {
        kind: 'sync',
        op: () => {
          const [p, s] = nextPair();
          return byIdentity.for(principals[p]).can('infer', subjects[s]);
        },
      },
    },
    {
      name: 'model_subject',
      path: 'modelSubject({ name, departments, riskClass }), built by the gateway per request',
      iterations: FAST,
      warmup: FAST_WARMUP,
      run: {
        kind: 'sync',
        op: () => {
          const model = MODELS[next++ & 7];
          return modelSubject({
            name: model.name,
            departments: model.departments,
            riskClass: model.riskClass,
            status: model.status,
          });
        },
      },
    },
    {
      name: 'token_verify_uncached',
      path: '(d) TokenVerifier.verifyClaims of a fresh ES256 token (node-jose verify + claim checks)',
      iterations: SLOW,
      warmup: SLOW_WARMUP,
      run: { kind: 'async', op: () => verifier.verifyClaims(freshToken()) },
    },
    {
      name: 'token_verify_cached',
      path: '(e) TokenVerifier.verify of the same token (SHA-256 + Map lookup)',
      iterations: FAST,
      warmup: FAST_WARMUP,
      run: { kind: 'async', op: () => verifier.verify(repeatedToken) },
    },
    {
      name: 'jws_verify_node_jose',
      path: 'verificationKeys(jwks).verify(token): node-jose ES256 compact JWS verification alone',
      iterations: SLOW,
      warmup: SLOW_WARMUP,
      run: {
        kind: 'async',
        op: () => joseKeys.verify(freshTokenJose(), { algorithms: ['ES256'], expectedTyp: undefined }),
      },
    },
    {
      name: 'jwt_verify_node_crypto',
      path: 'the same tokens: split, base64url, crypto.verify (ieee-p1363), JSON.parse of the payload',
      iterations: SLOW,
      warmup: SLOW_WARMUP,
      run: { kind: 'sync', op: () => verifyJwtNodeCrypto(idpPublicKey, freshTokenCrypto()) },
    },
    {
      name: 'assertion_sign_node_jose',
      path: `(f) GatewayAssertionSigner.sign (node-jose ES256) of a ${body.length}-byte forwarded body`,
      iterations: SLOW,
      warmup: SLOW_WARMUP,
      run: { kind: 'async', op: () => assertions.sign(assertionSubject, body) },
    },
    {
      name: 'assertion_sign_node_crypto',
      path: `the same assertion with node:crypto (key object prepared once) of the ${body.length}-byte body`,
      iterations: SLOW,
      warmup: SLOW_WARMUP,
      run: {
        kind: 'sync',
        op: () => signAssertionNodeCrypto(privateKey, assertionKey.kid, assertionSubject, body),
      },
    },
    {
      name: 'es256_sign_node_crypto',
      path: `(g) crypto.sign('sha256', ${signingInput.length}-byte assertion signing input, ieee-p1363)`,
      iterations: SLOW,
      warmup: SLOW_WARMUP,
      run: {
        kind: 'sync',
        op: () => sign('sha256', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      },
    },
    {
      name: 'es256_verify_node_crypto',
      path: "(g) crypto.verify('sha256', the same input, node-jose's signature, ieee-p1363)",
      iterations: SLOW,
      warmup: SLOW_WARMUP,
      run: {
        kind: 'sync',
        op: () =>
          verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, joseSignature),
      },
    },
  ];

  const samples = specs.map((spec) => newSamples(spec.iterations));
  const counts = specs.map(() => 0);
  for (const spec of specs) await timed(spec, spec.warmup, newSamples(spec.warmup), 0, noDeadline());
  const budgetNs = BigInt(Math.floor((MAX_SECONDS * 1e9) / (specs.length * ROUNDS)));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, spec] of specs.entries()) {
      const share = Math.ceil(spec.iterations / ROUNDS);
      const n = Math.min(share, spec.iterations - counts[i]);
      const deadline = process.hrtime.bigint() + budgetNs;
      counts[i] += await timed(spec, n, samples[i], counts[i], deadline);
    }
  }

  const results = new Map<string, Result>();
  for (const [i, spec] of specs.entries()) {
    const result = summarize(spec, samples[i], counts[i]);
    results.set(spec.name, result);
    print(result);
  }

  const figure = (name: string, field: 'median_us' | 'p99_us'): number => {
    const result = results.get(name);
    if (!result) throw new Error(`no measurement ${name}`);
    return result[field];
  };
  const cachedMedian = figure('decision_cached_by_attributes', 'median_us');
  print({
    bench: 'policy',
    summary: true,
    cached_decision_median_us: cachedMedian,
    cached_decision_p99_us: figure('decision_cached_by_attributes', 'p99_us'),
    cached_decision_fresh_principal_median_us: figure('decision_cached_fresh_principal', 'median_us'),
    uncached_decision_median_us: figure('decision_uncached', 'median_us'),
    token_verify_uncached_median_us: figure('token_verify_uncached', 'median_us'),
    token_verify_uncached_p99_us: figure('token_verify_uncached', 'p99_us'),
    token_verify_cached_median_us: figure('token_verify_cached', 'median_us'),
    token_verify_cached_p99_us: figure('token_verify_cached', 'p99_us'),
    assertion_sign_node_jose_median_us: figure('assertion_sign_node_jose', 'median_us'),
    es256_sign_node_crypto_median_us: figure('es256_sign_node_crypto', 'median_us'),
    es256_verify_node_crypto_median_us: figure('es256_verify_node_crypto', 'median_us'),
    goal_cached_decision_5us: cachedMedian <= GOAL_CACHED_DECISION_US,
  });
  process.stderr.write(
    `bench:policy finished in ${(Number(process.hrtime.bigint() - startedAt) / 1e9).toFixed(1)} s (sink ${sink})\n`,
  );
}

interface Samples {
  /** Nanoseconds per operation. */
  readonly ns: Float64Array;
  /** ALLOWED or DENIED for decisions, NO_OUTCOME otherwise. */
  readonly outcomes: Uint8Array;
}

function newSamples(capacity: number): Samples {
  return { ns: new Float64Array(capacity), outcomes: new Uint8Array(capacity) };
}

/** Runs `n` operations of a measurement, each timed alone, into `into` from `offset`; returns how many ran. */
async function timed(
  spec: Spec,
  n: number,
  into: Samples,
  offset: number,
  deadline: bigint,
): Promise<number> {
  const { run } = spec;
  if (run.kind === 'sync') {
    for (let i = 0; i < n; i++) {
      const start = process.hrtime.bigint();
      const value = run.op();
      const end = process.hrtime.bigint();
      into.outcomes[offset + i] = consume(value);
      into.ns[offset + i] = Number(end - start);
      if (end > deadline) return i + 1;
    }
    return n;
  }
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const value = await run.op();
    const end = process.hrtime.bigint();
    into.outcomes[offset + i] = consume(value);
    into.ns[offset + i] = Number(end - start);
    if (end > deadline) return i + 1;
  }
  return n;
}

function noDeadline(): bigint {
  return process.hrtime.bigint() + 3_600_000_000_000n;
}

function summarize(spec: Spec, samples: Samples, count: number): Result {
  const ns = samples.ns.subarray(0, count);
  const outcomes = samples.outcomes.subarray(0, count);
  const sorted = Float64Array.from(ns).sort();
  const total = sorted.reduce((sum, x) => sum + x, 0);
  const us = (x: number): number => round(x / 1000, 3);
  const byOutcome = (outcome: number): OutcomeFigures | undefined => {
    const picked = ns.filter((_, i) => outcomes[i] === outcome).sort();
    if (picked.length === 0) return undefined;
    return {
      ops: picked.length,
      median_us: us(percentile(picked, 0.5)),
      p99_us: us(percentile(picked, 0.99)),
    };
  };
  const allowed = spec.decision ? byOutcome(ALLOWED) : undefined;
  const denied = spec.decision ? byOutcome(DENIED) : undefined;
  return {
    bench: 'policy',
    measurement: spec.name,
    path: spec.path,
    ops: sorted.length,
    truncated: sorted.length < spec.iterations,
    median_us: us(percentile(sorted, 0.5)),
    p95_us: us(percentile(sorted, 0.95)),
    p99_us: us(percentile(sorted, 0.99)),
    mean_us: us(total / sorted.length),
    min_us: us(sorted[0]),
    max_us: us(sorted[sorted.length - 1]),
    ops_per_s: Math.round(sorted.length / (total / 1e9)),
    ...(allowed ? { allowed } : {}),
    ...(denied ? { denied } : {}),
  };
}

/** A clinician (mostly) of one or two departments, with some model trainings attested. */
function principalFor(i: number): Principal {
  const roles: Role[] =
    i % 16 === 15
      ? ['security-officer']
      : i % 16 === 14
        ? ['administrator']
        : i % 8 === 3
          ? ['clinician', 'model-owner']
          : ['clinician'];
  const departments = [DEPARTMENTS[i % DEPARTMENTS.length]];
  if (i % 3 === 0) departments.push(DEPARTMENTS[(i * 3 + 1) % DEPARTMENTS.length]);
  return {
    subject: `clinician-${i}`,
    issuer: ISSUER,
    name: `Clinician ${i}`,
    roles,
    departments,
    site: 'main-campus',
    trainings: MODELS.filter((_, m) => (i + m) % 3 !== 0).map((model) => model.name),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
}

function tokenClaims(principal: Principal): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: principal.subject,
    iat: now,
    exp: now + 3000,
    jti: randomUUID(),
    name: principal.name,
    roles: principal.roles,
    departments: principal.departments,
    site: principal.site,
    trainings: principal.trainings,
  };
}

/** A FHIR-flavoured inference request body, as the gateway forwards it. */
function forwardedBody(): Uint8Array {
  const observations = Array.from({ length: 12 }, (_, i) => ({
    resourceType: 'Observation',
    id: `obs-${i}`,
    status: 'final',
    code: {
      coding: [{ system: 'http://loinc.org', code: `${8000 + i}-${i % 10}`, display: `Vital sign ${i}` }],
    },
    valueQuantity: { value: 60 + i, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  }));
  return Buffer.from(
    JSON.stringify({
      inputs: [{ name: 'observations', datatype: 'BYTES', shape: [12], data: observations }],
    }),
  );
}

/** What GatewayAssertionSigner.sign would be without node-jose: same header, same claims. */
function signAssertionNodeCrypto(
  key: KeyObject,
  kid: string,
  subject: AssertionSubject,
  body: Uint8Array,
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ typ: GATEWAY_ASSERTION_JWS_TYPE, alg: 'ES256', kid }));
  const payload = base64url(
    JSON.stringify({
      iss: 'praesidium-gateway',
      aud: subject.model,
      sub: subject.caller,
      iat: now,
      exp: now + 30,
      jti: randomUUID(),
      model_version: subject.modelVersion,
      purpose_of_use: subject.purposeOfUse,
      body_sha256: sha256Hex(body),
    }),
  );
  const input = `${header}.${payload}`;
  const signature = sign('sha256', Buffer.from(input, 'utf8'), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Signature and payload decoding only: the counterpart of node-jose's verify, not of the claim checks. */
function verifyJwtNodeCrypto(key: KeyObject, token: string): Record<string, unknown> & { sub?: unknown } {
  const [header, payload, signature] = token.split('.');
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`, 'utf8'),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('signature invalid');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A deterministic shuffle (xorshift32), so every run sees the same request order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

main().catch((error: unknown) => {
  process.stderr.write(`policy bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
