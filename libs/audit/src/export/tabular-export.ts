import type { AuditRecord } from '../audit-event.js';

/** One JSON record per line, as stored and hashed: re-verifiable with the chain procedure. */
export function toNdjson(records: readonly AuditRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

export const CSV_COLUMNS = [
  'recorded_at',
  'stream',
  'seq',
  'action',
  'outcome',
  'reason_code',
  'agent',
  'roles',
  'purpose_of_use',
  'patient_pseudonym',
  'model',
  'model_version',
  'consent_id',
  'correlation_id',
  'hash',
] as const;

/** RFC 4180 CSV for spreadsheets, with every cell guarded against formula injection. */
export function toCsv(records: readonly AuditRecord[]): string {
  const rows = records.map(({ streamId, seq, event, hash }) => [
    event.recordedAt,
    streamId,
    String(seq),
    event.action,
    event.outcome,
    event.reasonCode ?? '',
    event.agent?.subject ?? '',
    (event.agent?.roles ?? []).join(' '),
    event.purposeOfUse ?? '',
    event.entity?.patientPseudonym ?? '',
    event.entity?.model ?? '',
    event.entity?.modelVersion ?? '',
    event.entity?.consentId ?? '',
    event.correlationId ?? '',
    hash,
  ]);
  return [CSV_COLUMNS, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

/**
 * OWASP CSV injection: a cell starting with = + - @ tab or CR is read as a formula by spreadsheet
 * software, so it is prefixed with a quote; then RFC 4180 quoting.
 */
export function csvCell(value: string): string {
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) || guarded !== value ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}
