import { createHash, createPublicKey, verify as verifySignature, type JsonWebKey } from 'node:crypto';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { verifyInclusion } from '@praesidium/audit';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/**
 * ES256 compact JWS checked with node:crypto alone, as an inspector would (docs/audit-verification.md):
 * the signature, then the `typ`, compared without case or `application/` (RFC 7515 §4.1.9).
 */
function verifyEs256(
  jws: string,
  jwks: { keys: (JsonWebKey & { kid: string })[] },
  typ: string,
): Record<string, unknown> | undefined {
  const [header, payload, signature] = jws.split('.');
  const fields = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
    kid: string;
    alg: string;
    typ?: unknown;
  };
  const jwk = jwks.keys.find((key) => key.kid === fields.kid);
  if (fields.alg !== 'ES256' || !jwk) return undefined;
  const typed =
    typeof fields.typ === 'string' && fields.typ.toLowerCase().replace(/^application\//, '') === typ;
  if (!typed) return undefined;
  const ok = verifySignature(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  return ok
    ? (JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>)
    : undefined;
}

describe('an inspector verifying an inference record with public keys only', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('proves that the audit record of an answered inference is under a signed checkpoint', async () => {
    const governance = platform.config.http.governanceUrl;
    const clinician = await platform.token('pain-clinician');
    const answer = await call(
      'POST',
      `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
      {
        token: clinician,
        body: {
          parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
          inputs: exampleEsiInputs(),
        },
      },
    );
    const record = (
      answer.body.parameters as { praesidium: { audit: { stream: string; seq: number; hash: string } } }
    ).praesidium.audit;

    const officer = await platform.token('security-officer');
    expect((await call('POST', `${governance}/audit/checkpoints`, { token: officer })).status).toBe(200);
    const proof = await call(
      'GET',
      `${governance}/audit/proofs/inclusion?stream=${encodeURIComponent(record.stream)}&seq=${record.seq}`,
      { token: officer },
    );
    expect(proof.status).toBe(200);

    const jwks = (await call('GET', `${governance}/audit/checkpoint-keys.json`)).body as unknown as {
      keys: (JsonWebKey & { kid: string })[];
    };
    const checkpoint = proof.body.checkpoint as { jws: string };
    const signed = verifyEs256(checkpoint.jws, jwks, 'praesidium-checkpoint+jwt');
    expect(signed).toMatchObject({ iss: 'praesidium-audit', tree_size: proof.body.treeSize });

    const leafHash = createHash('sha256')
      .update(
        Buffer.concat([Buffer.from([0]), Buffer.from(`${record.stream}\n${record.seq}\n${record.hash}`)]),
      )
      .digest();
    expect(leafHash.toString('hex')).toBe(proof.body.leafHash);
    const fromHex = (hex: string) => Buffer.from(hex, 'hex');
    expect(
      verifyInclusion(
        leafHash,
        Number(proof.body.leafIndex),
        Number(signed?.tree_size),
        (proof.body.proof as string[]).map(fromHex),
        fromHex(String(signed?.root)),
      ),
    ).toBe(true);
    // A forged signature does not pass the inspector's check.
    const [h, p] = checkpoint.jws.split('.');
    expect(verifyEs256(`${h}.${p}.${'A'.repeat(86)}`, jwks, 'praesidium-checkpoint+jwt')).toBeUndefined();
    // The same key signs archive manifests: a genuine checkpoint is not one of those.
    expect(verifyEs256(checkpoint.jws, jwks, 'praesidium-archive+jwt')).toBeUndefined();
  });
});
