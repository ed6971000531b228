import type {
  AuditEvent as FhirAuditEvent,
  AuditEventEntity as FhirEntity,
  Bundle,
  Coding,
} from 'fhir/r4.js';
import type { AuditRecord } from '../audit-event.js';

const SYSTEMS = {
  eventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  action: 'urn:praesidium:audit-action',
  reason: 'urn:praesidium:reason-code',
  purpose: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  pseudonym: 'urn:praesidium:patient-pseudonym',
  model: 'urn:praesidium:model',
  chain: 'urn:praesidium:audit-chain',
} as const;

/** FHIR AuditEvent.outcome: 0 success, 4 minor failure (refused by policy), 8 serious failure. */
const OUTCOME = { success: '0', refused: '4', failure: '8' } as const;

/** FHIR AuditEvent.action by our action's verb: C create, R read, U update, D delete, E execute. */
function fhirAction(action: string): FhirAuditEvent['action'] {
  if (action.endsWith('.recorded')) return 'C';
  if (action.endsWith('.revoked')) return 'U';
  if (action.endsWith('.dropped')) return 'D';
  if (action.endsWith('.searched') || action.endsWith('.verified')) return 'R';
  return 'E';
}

/**
 * One audit record as a FHIR R4 AuditEvent (IHE BALP shape): the patient only as a pseudonym
 * identifier, the model as `name@version`, the consent as a reference, and the record's place in
 * its hash chain (stream, seq, hash) as an entity, so an exported event can be checked against the chain.
 */
export function toFhirAuditEvent(record: AuditRecord): FhirAuditEvent {
  const { event } = record;
  const entity: FhirEntity[] = [];
  if (event.entity?.patientPseudonym) {
    entity.push({
      what: { identifier: { system: SYSTEMS.pseudonym, value: event.entity.patientPseudonym } },
      type: { system: SYSTEMS.entityType, code: '1', display: 'Person' },
      role: { system: SYSTEMS.objectRole, code: '1', display: 'Patient' },
    });
  }
  if (event.entity?.model) {
    const version = event.entity.modelVersion ? `@${event.entity.modelVersion}` : '';
    entity.push({
      what: { identifier: { system: SYSTEMS.model, value: `${event.entity.model}${version}` } },
      type: { system: SYSTEMS.entityType, code: '2', display: 'System Object' },
      ...(event.entity.rollout ? { detail: [{ type: 'rollout', valueString: event.entity.rollout }] } : {}),
    });
  }
  if (event.entity?.consentId) {
    entity.push({
      what: { reference: `Consent/${event.entity.consentId}` },
      type: { system: SYSTEMS.entityType, code: '2', display: 'System Object' },
      detail: [
        ...(event.entity.consentVersion !== undefined
          ? [{ type: 'consentVersion', valueString: String(event.entity.consentVersion) }]
          : []),
        ...(event.entity.provisionPath
          ? [{ type: 'provisionPath', valueString: event.entity.provisionPath }]
          : []),
      ],
    });
  }
  if (event.entity?.suspendedSubject) {
    // The person a suspension locks out: a user (object role 11), named as their token names them.
    entity.push({
      what: {
        identifier: {
          ...(event.entity.suspendedIssuer ? { system: event.entity.suspendedIssuer } : {}),
          value: event.entity.suspendedSubject,
        },
      },
      type: { system: SYSTEMS.entityType, code: '1', display: 'Person' },
      role: { system: SYSTEMS.objectRole, code: '11', display: 'Security User Entity' },
    });
  }
  entity.push({
    what: { identifier: { system: SYSTEMS.chain, value: `${record.streamId}/${record.seq}` } },
    type: { system: SYSTEMS.entityType, code: '2', display: 'System Object' },
    detail: [
      { type: 'hash', valueString: record.hash },
      { type: 'prevHash', valueString: record.prevHash },
      ...(event.requestSha256 ? [{ type: 'requestSha256', valueString: event.requestSha256 }] : []),
      ...(event.responseSha256 ? [{ type: 'responseSha256', valueString: event.responseSha256 }] : []),
      ...(event.traceId ? [{ type: 'traceId', valueString: event.traceId }] : []),
      ...(event.correlationId ? [{ type: 'correlationId', valueString: event.correlationId }] : []),
      ...(event.entity?.policyVersion !== undefined
        ? [{ type: 'policyVersion', valueString: String(event.entity.policyVersion) }]
        : []),
      ...(event.entity?.breakGlassGrantId
        ? [{ type: 'breakGlassGrant', valueString: event.entity.breakGlassGrantId }]
        : []),
      ...(event.entity?.suspensionId ? [{ type: 'suspension', valueString: event.entity.suspensionId }] : []),
      ...(event.entity?.outputRecord
        ? [{ type: 'outputRecord', valueString: event.entity.outputRecord }]
        : []),
      ...(event.entity?.auditMonth ? [{ type: 'auditMonth', valueString: event.entity.auditMonth }] : []),
      ...(event.entity?.archiveSha256
        ? [{ type: 'archiveSha256', valueString: event.entity.archiveSha256 }]
        : []),
      ...(event.agent?.certificateThumbprint
        ? [{ type: 'clientCertificateThumbprint', valueString: event.agent.certificateThumbprint }]
        : []),
    ],
  });
  const subtype: Coding[] = [{ system: SYSTEMS.action, code: event.action }];
  return {
    resourceType: 'AuditEvent',
    id: event.id,
    type: { system: SYSTEMS.eventType, code: 'rest', display: 'RESTful Operation' },
    subtype,
    action: fhirAction(event.action),
    recorded: event.recordedAt,
    outcome: OUTCOME[event.outcome],
    ...(event.reasonCode ? { outcomeDesc: event.reasonCode } : {}),
    ...(event.purposeOfUse
      ? { purposeOfEvent: [{ coding: [{ system: SYSTEMS.purpose, code: event.purposeOfUse }] }] }
      : {}),
    agent: [
      {
        who: {
          identifier: {
            ...(event.agent?.issuer ? { system: event.agent.issuer } : {}),
            value: event.agent?.subject ?? 'system',
          },
        },
        requestor: true,
        ...(event.agent?.roles?.length ? { role: event.agent.roles.map((role) => ({ text: role })) } : {}),
        ...(event.agent?.address ? { network: { address: event.agent.address, type: '2' as const } } : {}),
        ...(event.agent?.clientId ? { altId: event.agent.clientId } : {}),
      },
    ],
    source: {
      observer: { display: `praesidium-${event.source ?? 'unknown'}` },
      type: [{ system: SYSTEMS.sourceType, code: '4', display: 'Application Server' }],
    },
    entity,
  };
}

/** A FHIR R4 `collection` Bundle of AuditEvents. */
export function toFhirAuditBundle(records: readonly AuditRecord[]): Bundle<FhirAuditEvent> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date().toISOString(),
    total: records.length,
    entry: records.map((record) => ({
      fullUrl: `urn:uuid:${record.event.id}`,
      resource: toFhirAuditEvent(record),
    })),
  };
}
