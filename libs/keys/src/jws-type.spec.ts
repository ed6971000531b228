import { generateKey, signJwt, toPublicJwk, verificationKeys, type Jwk } from './jose.js';
import { isJwsType, JwsError, normalizeJwsType } from './jws-type.js';

/**
 * A checkpoint as the first releases stored it: signed by node-jose (before ES256 went through
 * node:crypto), whose header puts `typ` first. Its public key is below; the private one is gone.
 */
const NODE_JOSE_CHECKPOINT = {
  jwk: {
    kty: 'EC',
    kid: 'audit-checkpoint-2026-11-24',
    use: 'sig',
    alg: 'ES256',
    crv: 'P-256',
    x: 'jVUeNGv3PdrlxJ7HQueMoAeQEbniZIYbtdEPcjhsobE',
    y: 'X_IqC_ONc92xwSL12uhzKJ0IYeGq7djMtKf63f1JLcw',
  },
  jws:
    'eyJ0eXAiOiJwcmFlc2lkaXVtLWNoZWNrcG9pbnQrand0IiwiYWxnIjoiRVMyNTYiLCJraWQiOiJhdWRpdC1jaGVja3BvaW50LTIwMjYtMTEtMjQifQ' +
    '.eyJpc3MiOiJwcmFlc2lkaXVtLWF1ZGl0IiwiY2hlY2twb2ludCI6MSwidHJlZV9zaXplIjoyLCJyb290IjoiYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYSIsImhlYWRzIjp7ImdvdmVybmFuY2UtMSI6Mn0sImNyZWF0ZWRfYXQiOiIyMDI2LTExLTI0VDEwOjAwOjAwLjAwMFoifQ' +
    '.SIjdjXF3z7Sr4HXx5Z235t9ucXUHw1EcFgn7C8qNKpvZRNyfFFLl4RMBYwbyT_PUSS8htDx9H6mWe9o03oZIwA',
};

const CHECKPOINT = 'praesidium-checkpoint+jwt';
const ARCHIVE = 'praesidium-archive+jwt';

describe('JWS typ, as RFC 7515 §4.1.9 compares it', () => {
  it('ignores case and an `application/` prefix, and nothing else', () => {
    expect(normalizeJwsType('Application/Praesidium-Checkpoint+JWT')).toBe(CHECKPOINT);
    for (const typ of [CHECKPOINT, 'PRAESIDIUM-CHECKPOINT+JWT', `application/${CHECKPOINT}`])
      expect(isJwsType(typ, CHECKPOINT)).toBe(true);
    for (const typ of [ARCHIVE, 'JWT', `text/${CHECKPOINT}`, `application/x/${CHECKPOINT}`, ` ${CHECKPOINT}`])
      expect(isJwsType(typ, CHECKPOINT)).toBe(false);
  });

  it('never matches an absent or non-string typ', () => {
    for (const typ of [undefined, null, 1, [CHECKPOINT], { typ: CHECKPOINT }])
      expect(isJwsType(typ, CHECKPOINT)).toBe(false);
  });
});

describe('verificationKeys().verify with an expected typ', () => {
  let key: Jwk;
  let keys: Awaited<ReturnType<typeof verificationKeys>>;
  beforeAll(async () => {
    key = await generateKey('sign', 'audit-checkpoint-1');
    keys = await verificationKeys({ keys: [await toPublicJwk(key)] });
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => 'verified',
      (error: unknown) => (error instanceof JwsError ? error.failure : 'other error'),
    );

  it('returns the payload of a JWS of the expected typ', async () => {
    const jws = await signJwt(key, { checkpoint: 1 }, CHECKPOINT);
    const payload = await keys.verify(jws, { algorithms: ['ES256'], expectedTyp: CHECKPOINT });
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual({ checkpoint: 1 });
  });

  it('refuses a JWS of the same key typed as another kind, or as a generic JWT, naming both types', async () => {
    const archive = await signJwt(key, { kind: 'audit-archive' }, ARCHIVE);
    await expect(keys.verify(archive, { algorithms: ['ES256'], expectedTyp: CHECKPOINT })).rejects.toEqual(
      new JwsError('type_unexpected', `JWS typ ${ARCHIVE}, expected ${CHECKPOINT}`),
    );
    const generic = await signJwt(key, { checkpoint: 1 });
    expect(await failure(keys.verify(generic, { algorithms: ['ES256'], expectedTyp: CHECKPOINT }))).toBe(
      'type_unexpected',
    );
  });

  it('checks the signature first: a forgery is refused as such, whatever its typ', async () => {
    const stranger = await generateKey('sign', 'audit-checkpoint-1');
    const forged = await signJwt(stranger, { checkpoint: 1 }, ARCHIVE);
    expect(await failure(keys.verify(forged, { algorithms: ['ES256'], expectedTyp: CHECKPOINT }))).toBe(
      'signature_invalid',
    );
    const genuine = await signJwt(key, { checkpoint: 1 }, CHECKPOINT);
    expect(await failure(keys.verify(genuine, { algorithms: ['RS256'], expectedTyp: CHECKPOINT }))).toBe(
      'signature_invalid',
    );
  });

  it('checks no typ where the caller expects none (tokens of outside issuers, all typed JWT)', async () => {
    const jws = await signJwt(key, { sub: 'x' }, ARCHIVE);
    expect(await failure(keys.verify(jws, { algorithms: ['ES256'], expectedTyp: undefined }))).toBe(
      'verified',
    );
  });

  it('still verifies a checkpoint signed by the first releases (node-jose header order), as a checkpoint only', async () => {
    const old = await verificationKeys({ keys: [NODE_JOSE_CHECKPOINT.jwk] });
    const payload = await old.verify(NODE_JOSE_CHECKPOINT.jws, {
      algorithms: ['ES256'],
      expectedTyp: CHECKPOINT,
    });
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toMatchObject({
      iss: 'praesidium-audit',
      checkpoint: 1,
    });
    expect(
      await failure(old.verify(NODE_JOSE_CHECKPOINT.jws, { algorithms: ['ES256'], expectedTyp: ARCHIVE })),
    ).toBe('type_unexpected');
  });
});
