import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { AuditEventEntity, AuditStreamEntity, AuditTrail } from '@praesidium/audit';
import { PURPOSES_OF_USE, type PraesidiumConfig } from '@praesidium/config';
import {
  ConsentVersionEntity,
  createConsentService,
  consentActors,
  SourceDocumentEntity,
  toFhirConsent,
  VERIFICATION_METHODS,
  type ConsentService,
  type ConsentVersionEntity as ConsentVersion,
  type VerificationMethod,
} from '@praesidium/consent';
import { acquireDatabase, dataSourceOptions, openDataSource } from '@praesidium/database';
import { KeyStore } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';

export const CONSENT_USAGE = `  consent record --file CONSENT.json [--verification METHOD] [--by WHO]
                                                   record a FHIR R4 Consent (METHOD: ${VERIFICATION_METHODS.join(', ')})
  consent revoke --id ID --patient REF [--verification METHOD] [--by WHO]
                                                   revoke the patient's consent (a new, inactive version); every gateway refuses within 1 s
  consent list --patient REF                       the patient's consents (latest versions) as FHIR JSON lines
  consent history --id ID --patient REF            every version of a consent, oldest first
  consent export --id ID --patient REF [--version N]
                                                   a consent as FHIR R4 JSON with its source document
  consent why --patient REF --purpose CODE [--model NAME] [--practitioner SUBJECT [--practitioner-issuer ISS]] [--class a,b]
                                                   the decision the gateway would make, and which consent and provision made it
  consent rewrap-keys [--rotate]                   (--rotate: add a new key-encryption key, then) rewrap every
                                                   source document's data key under the current one`;

interface ConsentContext {
  readonly consents: ConsentService;
  readonly trail: AuditTrail;
  readonly by: string;
  /** The issuer a consent's `Practitioner/<subject>` reference names (PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER). */
  readonly practitionerIssuer: string | undefined;
  readonly values: Record<string, string | boolean | undefined>;
}

const COMMANDS: Record<string, (context: ConsentContext) => Promise<number>> = {
  async record({ consents, trail, by, values }) {
    if (typeof values.file !== 'string') return usage();
    const resource: unknown = JSON.parse(await readFile(values.file, 'utf8'));
    const recorded = await consents.recordConsent(resource, {
      recordedBy: by,
      verificationMethod: method(values),
    });
    return changed(trail, 'consent.recorded', by, recorded);
  },
  async revoke({ consents, trail, by, values }) {
    if (typeof values.id !== 'string' || typeof values.patient !== 'string') return usage();
    const revoked = await consents.revokeConsent(values.id, values.patient, {
      recordedBy: by,
      verificationMethod: method(values),
    });
    return changed(trail, 'consent.revoked', by, revoked);
  },
  async list({ consents, values }) {
    if (typeof values.patient !== 'string') return usage();
    for (const version of await consents.listForPatient(values.patient))
      console.log(JSON.stringify(toFhirConsent(version, values.patient)));
    return 0;
  },
  async history({ consents, values }) {
    if (typeof values.id !== 'string' || typeof values.patient !== 'string') return usage();
    for (const version of await consents.history(values.id, values.patient)) {
      const { change, recordedBy, verificationMethod, recordedAt } = version;
      console.log(
        JSON.stringify({
          change,
          recordedBy,
          verificationMethod,
          recordedAt,
          resource: toFhirConsent(version, values.patient),
        }),
      );
    }
    return 0;
  },
  async export({ consents, values }) {
    if (typeof values.id !== 'string' || typeof values.patient !== 'string') return usage();
    const version = typeof values.version === 'string' ? Number.parseInt(values.version, 10) : undefined;
    if (version !== undefined && !(version >= 1)) return usage();
    console.log(JSON.stringify(await consents.exportConsent(values.id, values.patient, version), null, 2));
    return 0;
  },
  async why({ consents, practitionerIssuer, values }) {
    const purpose = values.purpose;
    if (typeof values.patient !== 'string' || typeof purpose !== 'string') return usage();
    if (!(PURPOSES_OF_USE as readonly string[]).includes(purpose)) return usage();
    const list = (value: unknown) =>
      typeof value === 'string' ? value.split(',').filter(Boolean) : undefined;
    const issuer = values['practitioner-issuer'];
    const practitioner =
      typeof values.practitioner === 'string'
        ? {
            subject: values.practitioner,
            issuer: typeof issuer === 'string' ? issuer : (practitionerIssuer ?? ''),
          }
        : undefined;
    const model = typeof values.model === 'string' ? values.model : undefined;
    const explanation = await consents.explain(values.patient, {
      purposeOfUse: purpose,
      at: new Date(),
      ...consentActors(practitioner, model, practitionerIssuer),
      action: 'use',
      dataClasses: list(values.class),
    });
    for (const consent of explanation.considered) console.log(JSON.stringify(consent));
    const { considered: _considered, ...decision } = explanation;
    console.log(JSON.stringify({ purpose, model: values.model, ...decision }));
    return explanation.decision === 'permit' ? 0 : 1;
  },
  async 'rewrap-keys'({ consents }) {
    console.log(JSON.stringify(await consents.rewrapDocuments()));
    return 0;
  },
};

/** `praesidium consent …`: the consent store for clinicians' administrators, beside a running platform. */
export async function runConsentCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const command = sub ? COMMANDS[sub] : undefined;
  if (!command) return usage();
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string' },
      id: { type: 'string' },
      patient: { type: 'string' },
      purpose: { type: 'string' },
      model: { type: 'string' },
      practitioner: { type: 'string' },
      'practitioner-issuer': { type: 'string' },
      class: { type: 'string' },
      version: { type: 'string' },
      verification: { type: 'string' },
      by: { type: 'string' },
      rotate: { type: 'boolean' },
    },
  });
  if (
    values.verification !== undefined &&
    !(VERIFICATION_METHODS as readonly string[]).includes(values.verification)
  )
    return usage();
  const keyStore = values.rotate
    ? await KeyStore.rotate(config.dataDir, 'consent-document-kek')
    : await KeyStore.openOrCreate(config.dataDir);
  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    const dataSource = await openDataSource(
      dataSourceOptions(
        database.connection,
        [ConsentVersionEntity, SourceDocumentEntity, AuditEventEntity, AuditStreamEntity],
        2,
      ),
    );
    try {
      const context = contextFor(dataSource, keyStore, config, values);
      return await command(context);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      console.error(
        JSON.stringify({ code: error.code, title: error.title, detail: error.detail, errors: error.errors }),
      );
      return 1;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.release();
  }
}

function contextFor(
  dataSource: DataSource,
  keyStore: KeyStore,
  config: PraesidiumConfig,
  values: Record<string, string | boolean | undefined>,
): ConsentContext {
  const trail = new AuditTrail(
    dataSource.getRepository(AuditEventEntity),
    dataSource.getRepository(AuditStreamEntity),
    'cli',
  );
  const by = typeof values.by === 'string' ? values.by : `cli:${userInfo().username}`;
  return {
    consents: createConsentService(dataSource, keyStore, config),
    trail,
    by,
    practitionerIssuer: config.consent.practitionerIssuer,
    values,
  };
}

function method(values: Record<string, unknown>): VerificationMethod | undefined {
  return values.verification as VerificationMethod | undefined;
}

async function changed(
  trail: AuditTrail,
  action: string,
  by: string,
  version: ConsentVersion,
): Promise<number> {
  await trail.append({
    action,
    outcome: 'success',
    agent: { subject: by },
    entity: {
      patientPseudonym: version.patientPseudonym,
      consentId: version.consentId,
      consentVersion: version.version,
    },
  });
  console.log(JSON.stringify({ id: version.consentId, version: version.version, status: version.status }));
  return 0;
}

function usage(): number {
  console.error(`usage:\n${CONSENT_USAGE}`);
  return 2;
}
