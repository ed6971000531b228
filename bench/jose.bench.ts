/**
 * What JWE costs on the gateway's request path, with node-jose (through libs/keys, as the gateway
 * runs it) next to node:crypto doing the same work, in the same run:
 *   decrypt_request_<alg>_node_jose    `DecryptionKeyRing.decrypt` of a typical inference request (the
 *                                      demo's Open Inference Protocol body) encrypted to the gateway key
 *   decrypt_request_<alg>_node_crypto  the same JWEs decrypted with node:crypto (header parse, ECDH +
 *                                      Concat KDF or RSA-OAEP-256 unwrap, AES-256-GCM), key prepared once
 *   encrypt_response_<alg>_node_jose   `EncryptionKey.encrypt` of a typical answer to a client key
 *   encrypt_response_<alg>_node_crypto the same with node:crypto (ephemeral P-256 key per message for
 *                                      ECDH-ES, as the JWE spec requires; random CEK for RSA)
 * <alg> is ecdh_es (P-256) or rsa_oaep_256 (2048 bits); content encryption is A256GCM throughout. Before
 * timing, each engine decrypts what the other encrypted. Rounds interleave the measurements so load from
 * other processes falls on all alike. BENCH_ITERATIONS (1000 per round) and BENCH_ROUNDS (3) bound the work.
 *
 * Output: one JSON line per measurement, then a summary line (medians, p99s and node-jose/node:crypto ratios).
 * Run with `npm run bench:jose`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  constants,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_PATIENTS, exampleEsiInputs } from '@praesidium/demo';
import {
  DecryptionKeyRing,
  encryptionKey,
  generateKey,
  KeyStore,
  toPublicJwk,
  type Jwk,
} from '@praesidium/keys';
import { positiveInt, print, round, summarizeLatencies, type LatencySummary } from './support/stats.js';

const ITERATIONS = positiveInt(process.env.BENCH_ITERATIONS, 1000);
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 3);

const REQUEST = Buffer.from(
  JSON.stringify({
    id: 'bench-1',
    parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
    inputs: exampleEsiInputs(),
  }),
);
const RESPONSE = Buffer.from(
  JSON.stringify({
    model_name: 'lumbar-esi-outcome',
    model_version: '1.0.0',
    outputs: [{ name: 'probability_meaningful_relief', shape: [1], datatype: 'FP32', data: [0.6123] }],
    parameters: {
      praesidium: {
        model: 'Lumbar ESI outcome',
        version: '1.0.0',
        manifest_sha256: 'a'.repeat(64),
        intended_use: 'Decision support for lumbar epidural steroid injection outcome'.repeat(2),
        limitations: 'Demonstration model trained on synthetic data; not for clinical use.'.repeat(2),
        notice: 'Decision support only.',
        audit: { stream: 'gateway', seq: 123456, hash: 'b'.repeat(64) },
        correlation_id: '3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      },
    },
  }),
);

// ---- node:crypto JWE, compact serialization, A256GCM (RFC 7516, RFC 7518 4.6 and 4.3) ----

/** Concat KDF (NIST SP 800-56A) as RFC 7518 4.6.2 uses it for ECDH-ES direct agreement on A256GCM. */
function concatKdf(sharedSecret: Buffer): Buffer {
  const algorithmId = Buffer.from('A256GCM');
  const lengthPrefixed = (data: Buffer) => Buffer.concat([uint32(data.length), data]);
  return createHash('sha256')
    .update(uint32(1))
    .update(sharedSecret)
    .update(lengthPrefixed(algorithmId))
    .update(lengthPrefixed(Buffer.alloc(0)))
    .update(lengthPrefixed(Buffer.alloc(0)))
    .update(uint32(256))
    .digest();
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function gcmDecrypt(cek: Buffer, parts: string[]): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', cek, Buffer.from(parts[2], 'base64url'));
  decipher.setAAD(Buffer.from(parts[0], 'ascii'));
  decipher.setAuthTag(Buffer.from(parts[4], 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(parts[3], 'base64url')), decipher.final()]);
}

function gcmEncrypt(cek: Buffer, header: object, encryptedKey: Buffer, plaintext: Buffer): string {
  const protectedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [protectedHeader, encryptedKey, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

function nodeDecrypt(token: string, keys: { ec: KeyObject; rsa: KeyObject }): Buffer {
  const parts = token.split('.');
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as {
    alg: string;
    enc: string;
    epk?: Jwk;
  };
  if (header.enc !== 'A256GCM') throw new Error('enc');
  if (header.alg === 'ECDH-ES' && header.epk) {
    const epk = createPublicKey({ key: header.epk as never, format: 'jwk' });
    return gcmDecrypt(concatKdf(diffieHellman({ privateKey: keys.ec, publicKey: epk })), parts);
  }
  if (header.alg === 'RSA-OAEP-256') {
    const cek = privateDecrypt(
      { key: keys.rsa, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(parts[1], 'base64url'),
    );
    return gcmDecrypt(cek, parts);
  }
  throw new Error('alg');
}

function nodeEncrypt(plaintext: Buffer, recipient: KeyObject, kid: string): string {
  if (recipient.asymmetricKeyType === 'ec') {
    const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cek = concatKdf(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }));
    const epk = ephemeral.publicKey.export({ format: 'jwk' });
    return gcmEncrypt(cek, { alg: 'ECDH-ES', enc: 'A256GCM', kid, epk }, Buffer.alloc(0), plaintext);
  }
  const cek = randomBytes(32);
  const encryptedKey = publicEncrypt(
    { key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    cek,
  );
  return gcmEncrypt(cek, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid }, encryptedKey, plaintext);
}

// ---- timing ----

type Measure = () => unknown;

async function sample(measure: Measure, samples: Float64Array, offset: number, count: number) {
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await measure();
    samples[offset + i] = Number(process.hrtime.bigint() - start) / 1000;
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-bench-jose-'));
  try {
    const store = await KeyStore.openOrCreate(dataDir);
    const ring = new DecryptionKeyRing(dataDir, store, 'gateway-encryption', { minReloadMs: 1000 });
    const gatewayPublic = await ring.publicJwks();
    const [gatewayEc, gatewayRsa] = ['ECDH-ES', 'RSA-OAEP-256'].map(
      (alg) => gatewayPublic.keys.find((key) => key.alg === alg) as Jwk,
    );
    const [privateEc, privateRsa] = ['ECDH-ES', 'RSA-OAEP-256'].map(
      (alg) => store.currentKeys('gateway-encryption').find((key) => key.alg === alg) as Jwk,
    );
    const nodeGatewayKeys = {
      ec: createPrivateKey({ key: privateEc as never, format: 'jwk' }),
      rsa: createPrivateKey({ key: privateRsa as never, format: 'jwk' }),
    };
    const clientEc = await toPublicJwk(await generateKey('encrypt', 'client-ec'));
    const clientRsaPrivate = await generateKey('encrypt-rsa', 'client-rsa');
    const clientRsa = await toPublicJwk(clientRsaPrivate);
    const nodeClient = {
      ec: createPublicKey({ key: clientEc as never, format: 'jwk' }),
      rsa: createPublicKey({ key: clientRsa as never, format: 'jwk' }),
    };
    const joseClient = { ec: await encryptionKey(clientEc), rsa: await encryptionKey(clientRsa) };

    // Requests as clients would send them: fresh JWEs (each ECDH-ES one has its own epk).
    const requests = {
      ec: await Promise.all(
        Array.from({ length: 64 }, async () => (await encryptionKey(gatewayEc)).encrypt(REQUEST)),
      ),
      rsa: await Promise.all(
        Array.from({ length: 64 }, async () => (await encryptionKey(gatewayRsa)).encrypt(REQUEST)),
      ),
    };
    // Each engine reads the other's output.
    for (const kind of ['ec', 'rsa'] as const) {
      if (!nodeDecrypt(requests[kind][0], nodeGatewayKeys).equals(REQUEST))
        throw new Error(`node:crypto does not decrypt node-jose's ${kind} JWE`);
      const byNode = nodeEncrypt(
        REQUEST,
        createPublicKey({ key: (kind === 'ec' ? gatewayEc : gatewayRsa) as never, format: 'jwk' }),
        String((kind === 'ec' ? gatewayEc : gatewayRsa).kid),
      );
      if (!(await ring.decrypt(byNode)).equals(REQUEST))
        throw new Error(`node-jose does not decrypt node:crypto's ${kind} JWE`);
    }

    let next = 0;
    const pick = (list: string[]) => list[next++ % list.length];
    const measures: Record<string, Measure> = {
      decrypt_request_ecdh_es_node_jose: () => ring.decrypt(pick(requests.ec)),
      decrypt_request_ecdh_es_node_crypto: () => nodeDecrypt(pick(requests.ec), nodeGatewayKeys),
      decrypt_request_rsa_oaep_256_node_jose: () => ring.decrypt(pick(requests.rsa)),
      decrypt_request_rsa_oaep_256_node_crypto: () => nodeDecrypt(pick(requests.rsa), nodeGatewayKeys),
      encrypt_response_ecdh_es_node_jose: () => joseClient.ec.encrypt(RESPONSE, 'application/json'),
      encrypt_response_ecdh_es_node_crypto: () => nodeEncrypt(RESPONSE, nodeClient.ec, 'client-ec'),
      encrypt_response_rsa_oaep_256_node_jose: () => joseClient.rsa.encrypt(RESPONSE, 'application/json'),
      encrypt_response_rsa_oaep_256_node_crypto: () => nodeEncrypt(RESPONSE, nodeClient.rsa, 'client-rsa'),
    };
    const samples = Object.fromEntries(
      Object.keys(measures).map((name) => [name, new Float64Array(ITERATIONS * ROUNDS)]),
    );
    const elapsed: Record<string, number> = Object.fromEntries(
      Object.keys(measures).map((name) => [name, 0]),
    );
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      for (const [name, measure] of Object.entries(measures)) {
        await sample(measure, new Float64Array(Math.min(100, ITERATIONS)), 0, Math.min(100, ITERATIONS));
        const started = performance.now();
        await sample(measure, samples[name], roundIndex * ITERATIONS, ITERATIONS);
        elapsed[name] += performance.now() - started;
      }
    }
    const results: Record<string, LatencySummary> = {};
    for (const name of Object.keys(measures)) {
      results[name] = summarizeLatencies(samples[name], elapsed[name]);
      print({
        measurement: name,
        request_bytes: REQUEST.length,
        response_bytes: RESPONSE.length,
        ...results[name],
      });
    }
    const ratio = (name: string) =>
      round(results[`${name}_node_jose`].p50_us / results[`${name}_node_crypto`].p50_us, 1);
    const figures = (name: string) => ({
      node_jose_p50_us: results[`${name}_node_jose`].p50_us,
      node_jose_p99_us: results[`${name}_node_jose`].p99_us,
      node_crypto_p50_us: results[`${name}_node_crypto`].p50_us,
      node_crypto_p99_us: results[`${name}_node_crypto`].p99_us,
      node_jose_over_node_crypto_p50: ratio(name),
    });
    print({
      summary: 'bench:jose',
      iterations: ITERATIONS * ROUNDS,
      decrypt_request_ecdh_es: figures('decrypt_request_ecdh_es'),
      decrypt_request_rsa_oaep_256: figures('decrypt_request_rsa_oaep_256'),
      encrypt_response_ecdh_es: figures('encrypt_response_ecdh_es'),
      encrypt_response_rsa_oaep_256: figures('encrypt_response_rsa_oaep_256'),
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
