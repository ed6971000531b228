import { mkdtemp } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@praesidium/config';
import {
  ConsentVersionEntity,
  createConsentService,
  SourceDocumentEntity,
  type ConsentService,
} from '@praesidium/consent';
import { FhirSchema } from '@praesidium/fhir';
import { KeyStore } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import { DATABASES, type TestDatabase } from '../support/databases.js';

const ENTITIES = [ConsentVersionEntity, SourceDocumentEntity];
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

/** A rich R4 Consent: performer and verifier are the patient, a scanned form is attached. */
function fullConsent(patient: string, document: Buffer) {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: patient },
    dateTime: '2026-11-01T09:00:00+00:00',
    performer: [{ reference: patient }],
    organization: [{ reference: 'Organization/main-campus' }],
    sourceAttachment: {
      contentType: 'application/pdf',
      title: 'Signed consent form',
      data: document.toString('base64'),
    },
    policy: [
      {
        authority: 'https://hospital.example/policies',
        uri: 'https://hospital.example/policies/ai-consent-v2',
      },
    ],
    verification: [
      { verified: true, verifiedWith: { reference: patient }, verificationDate: '2026-11-01T09:05:00+00:00' },
    ],
    provision: {
      type: 'deny',
      period: { start: '2026-11-01T00:00:00+00:00', end: '2027-11-01T00:00:00+00:00' },
      provision: [
        {
          type: 'permit',
          purpose: [{ system: ACT_REASON, code: 'TREAT' }],
          actor: [
            {
              role: {
                coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass', code: 'PROV' }],
              },
              reference: { reference: 'Device/lumbar-esi-outcome' },
            },
          ],
          action: [
            { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'use' }] },
          ],
          class: [{ system: 'urn:praesidium:data-class', code: 'imaging' }],
          securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }],
          dataPeriod: { start: '2020-01-01T00:00:00+00:00' },
          provision: [
            { type: 'deny', code: [{ coding: [{ system: 'http://loinc.org', code: '11502-2' }] }] },
          ],
        },
      ],
    },
  };
}

const treatQuestion = {
  purposeOfUse: 'TREAT',
  at: new Date('2026-11-24T10:00:00Z'),
  actors: ['Practitioner/dr.rivera', 'Device/lumbar-esi-outcome'],
  roles: ['clinician'],
  action: 'use',
  dataClasses: ['imaging'],
  securityLabels: ['N'],
  codes: ['24558-9'],
  dataPeriod: { start: '2025-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' },
};

describe.each(DATABASES)('consent store on %s', (_, open) => {
  let db: TestDatabase;
  let dataDir: string;
  let consents: ConsentService;

  beforeAll(async () => {
    db = await open(ENTITIES);
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-consent-'));
    const config = loadConfig({ NODE_ENV: 'test', PRAESIDIUM_DATA_DIR: dataDir });
    consents = createConsentService(db.dataSource, await KeyStore.openOrCreate(dataDir), config);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('exports a recorded consent as the FHIR R4 resource it was given, source document included', async () => {
    const patient = `Patient/rt-${randomUUID().slice(0, 8)}`;
    const document = randomBytes(64 * 1024);
    const input = fullConsent(patient, document);
    const recorded = await consents.recordConsent(input, {
      recordedBy: 'dr.rivera',
      verificationMethod: 'in-person',
    });
    const exported = await consents.exportConsent(recorded.consentId, patient);
    const { id, meta, ...rest } = exported;
    expect(rest).toEqual(input);
    expect(id).toBe(recorded.consentId);
    expect(meta).toMatchObject({ versionId: '1' });
    expect(new FhirSchema().validate('Consent', exported)).toEqual([]);
    // Importing the export again gives the same resource once more.
    const again = await consents.recordConsent(exported, { recordedBy: 'dr.rivera' });
    const { id: _id, meta: _meta, ...reexported } = await consents.exportConsent(again.consentId, patient);
    expect(reexported).toEqual(input);
  });

  it('decides on every provision element the resource carries, naming consent, version and path', async () => {
    const patient = `Patient/dec-${randomUUID().slice(0, 8)}`;
    const recorded = await consents.recordConsent(fullConsent(patient, Buffer.from('form')), {
      recordedBy: 'x',
    });
    const pseudonym = consents.pseudonymize(patient);
    expect(await consents.decide(pseudonym, treatQuestion)).toEqual({
      decision: 'permit',
      reason: 'consent.permit',
      consentId: recorded.consentId,
      consentVersion: 1,
      provisionPath: 'provision.provision[0]',
    });
    expect(await consents.decide(pseudonym, { ...treatQuestion, codes: ['11502-2'] })).toMatchObject({
      decision: 'deny',
      provisionPath: 'provision.provision[0].provision[0]',
    });
    expect(await consents.decide(pseudonym, { ...treatQuestion, purposeOfUse: 'HRESCH' })).toMatchObject({
      decision: 'deny',
      provisionPath: 'provision',
    });
  });

  it('reads an R4 opt-out (policyRule OPTOUT, a root without type) as a refusal, even where the site permits treatment by default', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_CONSENT_DEFAULT_PERMIT: 'TREAT',
    });
    const treatmentByDefault = createConsentService(
      db.dataSource,
      await KeyStore.openOrCreate(dataDir),
      config,
    );
    const patient = `Patient/optout-${randomUUID().slice(0, 8)}`;
    const { policy: _policy, ...resource } = fullConsent(patient, Buffer.from('form'));
    const recorded = await treatmentByDefault.recordConsent(
      {
        ...resource,
        policyRule: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }],
        },
        provision: { purpose: [{ system: ACT_REASON, code: 'TREAT' }] },
      },
      { recordedBy: 'x' },
    );
    const pseudonym = treatmentByDefault.pseudonymize(patient);
    expect(await treatmentByDefault.decide(pseudonym, treatQuestion)).toEqual({
      decision: 'deny',
      reason: 'consent.denied',
      consentId: recorded.consentId,
      consentVersion: 1,
      provisionPath: 'provision',
    });
    expect((await treatmentByDefault.explain(patient, treatQuestion)).decision).toBe('deny');
  });

  it('keeps every version: a revocation is a new version, the old ones stay as they were', async () => {
    const patient = `Patient/hist-${randomUUID().slice(0, 8)}`;
    const recorded = await consents.recordConsent(fullConsent(patient, Buffer.from('form')), {
      recordedBy: 'a',
    });
    const revoked = await consents.revokeConsent(recorded.consentId, patient, {
      recordedBy: 'b',
      verificationMethod: 'telephone',
    });
    expect(revoked).toMatchObject({ version: 2, status: 'inactive', change: 'revoked' });
    const history = await consents.history(recorded.consentId, patient);
    expect(history.map((v) => [v.version, v.status, v.change, v.recordedBy, v.verificationMethod])).toEqual([
      [1, 'active', 'recorded', 'a', null],
      [2, 'inactive', 'revoked', 'b', 'telephone'],
    ]);
    expect(await consents.decide(consents.pseudonymize(patient), treatQuestion)).toMatchObject({
      decision: 'deny',
      reason: 'consent.revoked',
      consentId: recorded.consentId,
      consentVersion: 2,
    });
    expect((await consents.exportConsent(recorded.consentId, patient, 1)).status).toBe('active');
    // Another patient's reference does not open this history.
    await expect(consents.history(recorded.consentId, 'Patient/someone-else')).rejects.toThrow(ProblemError);
    // The database itself refuses to rewrite or erase a version.
    await expect(
      db.dataSource.query(`UPDATE consent.consent_version SET status = 'active' WHERE consent_id = $1`, [
        recorded.consentId,
      ]),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.dataSource.query(`DELETE FROM consent.consent_version WHERE consent_id = $1`, [recorded.consentId]),
    ).rejects.toThrow(/append-only/);
  });

  it("revokes a consent only under its own patient's reference; another's is answered as a missing id", async () => {
    const patient = `Patient/rvk-${randomUUID().slice(0, 8)}`;
    const recorded = await consents.recordConsent(fullConsent(patient, Buffer.from('form')), {
      recordedBy: 'a',
    });
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => 'revoked',
        (error: ProblemError) => ({ code: error.code, detail: error.detail }),
      );
    const notTheirs = await refusal(
      consents.revokeConsent(recorded.consentId, 'Patient/someone-else', { recordedBy: 'b' }),
    );
    expect(notTheirs).toEqual({ code: 'request.not_found', detail: expect.any(String) });
    // Nothing tells a consent of another patient from one that does not exist.
    expect(await refusal(consents.revokeConsent(randomUUID(), patient, { recordedBy: 'b' }))).toEqual(
      notTheirs,
    );
    expect((await consents.history(recorded.consentId, patient)).map((v) => v.status)).toEqual(['active']);
    expect(await consents.revokeConsent(recorded.consentId, patient, { recordedBy: 'c' })).toMatchObject({
      version: 2,
      status: 'inactive',
    });
  });

  it('amends a consent into a new version that keeps its source document, and revokes only once', async () => {
    const patient = `Patient/amd-${randomUUID().slice(0, 8)}`;
    const form = randomBytes(512);
    const recorded = await consents.recordConsent(fullConsent(patient, form), { recordedBy: 'a' });
    const { sourceAttachment: _form, ...withoutForm } = fullConsent(patient, form);
    const narrower = { ...withoutForm, provision: { type: 'deny' as const } };
    const amended = await consents.amendConsent(recorded.consentId, narrower, { recordedBy: 'b' });
    expect(amended).toMatchObject({ version: 2, change: 'amended', documentId: recorded.documentId });
    expect(await consents.decide(consents.pseudonymize(patient), treatQuestion)).toMatchObject({
      decision: 'deny',
      reason: 'consent.denied',
      consentVersion: 2,
    });
    const exported = await consents.exportConsent(recorded.consentId, patient);
    expect(exported.provision).toEqual({ type: 'deny' });
    expect((exported.sourceAttachment as { data: string }).data).toBe(form.toString('base64'));
    const revoked = await consents.revokeConsent(recorded.consentId, patient, { recordedBy: 'c' });
    expect(await consents.revokeConsent(recorded.consentId, patient, { recordedBy: 'd' })).toMatchObject({
      version: revoked.version,
      recordedBy: 'c',
    });
  });

  it('refuses an amendment about another patient and a concurrent second version', async () => {
    const patient = `Patient/amend-${randomUUID().slice(0, 8)}`;
    const recorded = await consents.recordConsent(fullConsent(patient, Buffer.from('form')), {
      recordedBy: 'a',
    });
    const refusal = (id: string) =>
      consents.amendConsent(id, fullConsent('Patient/other-1', Buffer.from('x')), { recordedBy: 'a' }).then(
        () => undefined,
        (error: { code: string; detail?: string }) => ({ code: error.code, detail: error.detail }),
      );
    // Answered as an id that does not exist: the amendment does not tell whether the id is a consent.
    const mismatch = await refusal(recorded.consentId);
    expect(mismatch).toMatchObject({ code: 'request.not_found' });
    expect(mismatch).toEqual(await refusal(randomUUID()));
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((by) =>
        consents.amendConsent(recorded.consentId, fullConsent(patient, Buffer.from(by)), { recordedBy: by }),
      ),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    // Concurrent changes cannot both become the same version: one per accepted change, no gap.
    const versions = (await consents.history(recorded.consentId, patient)).map((v) => v.version);
    expect(versions).toEqual(Array.from({ length: 1 + results.length - rejected.length }, (_, i) => i + 1));
    for (const result of rejected) expect(result.reason).toMatchObject({ code: 'consent.version_conflict' });
  });

  it('refuses a consent dated in the future, which would outrank every later refusal of the patient', async () => {
    const patient = `Patient/future-${randomUUID().slice(0, 8)}`;
    const permit = (dateTime: string) => ({
      ...fullConsent(patient, Buffer.from('form')),
      dateTime,
      provision: { type: 'permit', purpose: [{ system: ACT_REASON, code: 'TREAT' }] },
    });
    // A permit "given" in 2099: the most recent consent speaks, so it would beat the refusal below.
    await expect(
      consents.recordConsent(permit('2099-01-01T00:00:00+00:00'), { recordedBy: 'x' }),
    ).rejects.toMatchObject({
      code: 'request.invalid',
      errors: [expect.objectContaining({ path: '$.dateTime' })],
    });
    const today = await consents.recordConsent(permit(new Date(Date.now() - 60_000).toISOString()), {
      recordedBy: 'x',
    });
    await expect(
      consents.amendConsent(today.consentId, permit('2099-01-01T00:00:00+00:00'), { recordedBy: 'x' }),
    ).rejects.toMatchObject({ code: 'request.invalid' });
    await consents.recordConsent(
      {
        ...permit(new Date().toISOString()),
        provision: { type: 'deny', purpose: [{ system: ACT_REASON, code: 'TREAT' }] },
      },
      { recordedBy: 'x' },
    );
    const decision = await consents.decide(consents.pseudonymize(patient), {
      purposeOfUse: 'TREAT',
      at: new Date(),
      action: 'use',
    });
    expect(decision.decision).toBe('deny');
  });

  it('holds no patient identifier and no source document in clear in any table', async () => {
    const marker = `clear-${randomUUID()}`;
    const patient = `Patient/${marker}`;
    const document = Buffer.concat([Buffer.from(`%PDF-1.7 signed by ${marker} `), randomBytes(2048)]);
    const recorded = await consents.recordConsent(fullConsent(patient, document), {
      recordedBy: 'dr.rivera',
    });
    await consents.revokeConsent(recorded.consentId, patient, { recordedBy: 'dr.rivera' });
    const tables: { name: string }[] = await db.dataSource.query(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['consent.consent_version', 'consent.source_document']),
    );
    const needles = [
      marker,
      document.subarray(0, 48).toString('base64'),
      document.subarray(100, 160).toString('hex'),
      Buffer.from(marker).toString('hex'),
    ];
    for (const { name } of tables) {
      // Every row as text; bytea columns show as hex, so the document bytes are looked for in hex too.
      const rows: { row: string }[] = await db.dataSource.query(`SELECT t::text AS row FROM ${name} t`);
      const dump = rows
        .map((r) => r.row)
        .join('\n')
        .toLowerCase();
      for (const needle of needles)
        expect({ table: name, found: dump.includes(needle.toLowerCase()) }).toEqual({
          table: name,
          found: false,
        });
    }
    // Yet both come back for whoever types the patient's reference.
    const exported = await consents.exportConsent(recorded.consentId, patient, 1);
    expect(exported.patient).toEqual({ reference: patient });
    expect((exported.sourceAttachment as { data: string }).data).toBe(document.toString('base64'));
  });

  it('rotates the key-encryption key by rewrapping data keys, leaving every document ciphertext as it was', async () => {
    const patient = `Patient/kek-${randomUUID().slice(0, 8)}`;
    const document = randomBytes(4096);
    const recorded = await consents.recordConsent(fullConsent(patient, document), { recordedBy: 'a' });
    const before: { ciphertext: Buffer; kek_id: string }[] = await db.dataSource.query(
      `SELECT ciphertext, kek_id FROM consent.source_document WHERE id = $1`,
      [recorded.documentId],
    );
    const rotated = await KeyStore.rotate(dataDir, 'consent-document-kek');
    const config = loadConfig({ NODE_ENV: 'test', PRAESIDIUM_DATA_DIR: dataDir });
    const afterRotation = createConsentService(db.dataSource, rotated, config);
    const { rewrapped, kekId } = await afterRotation.rewrapDocuments(2);
    expect(kekId).not.toBe(before[0].kek_id);
    expect(rewrapped).toBeGreaterThanOrEqual(1);
    const after: { ciphertext: Buffer; kek_id: string }[] = await db.dataSource.query(
      `SELECT ciphertext, kek_id FROM consent.source_document WHERE id = $1`,
      [recorded.documentId],
    );
    expect(after[0].kek_id).toBe(kekId);
    expect(Buffer.compare(after[0].ciphertext, before[0].ciphertext)).toBe(0);
    // The service started before the rotation reads the new key from the store when it meets it.
    const exported = await consents.exportConsent(recorded.consentId, patient);
    expect((exported.sourceAttachment as { data: string }).data).toBe(document.toString('base64'));
    expect(await afterRotation.rewrapDocuments()).toEqual({ rewrapped: 0, kekId });
    await expect(
      db.dataSource.query(`UPDATE consent.source_document SET ciphertext = '\\x00' WHERE id = $1`, [
        recorded.documentId,
      ]),
    ).rejects.toThrow(/immutable/);
  });
});
