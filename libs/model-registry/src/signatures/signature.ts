import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { contentHash } from '@praesidium/digest';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

export const SIGNATURE_MEANINGS = ['authored', 'reviewed', 'approved'] as const;
export type SignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];

/**
 * The record a version's approval signatures sign: its identity (the manifest hash), the model's
 * intended use and classification as they stand (their hash), and the hashes of all its evidence.
 * Adding evidence, changing the draft or the model's intended use makes another record, so an
 * earlier signature no longer counts (21 CFR 11.70: a signature cannot move to another record).
 */
export interface ApprovalRecord {
  readonly format: 'praesidium.approval-record/v1';
  readonly versionId: string;
  readonly model: string;
  readonly version: string;
  readonly manifestSha256: string;
  /** SHA-256 of the model's intended use, limitations, departments, profile and classification. */
  readonly intendedUseSha256: string;
  /** For a version declared under a change-control plan: the plan in force when signed. */
  readonly changeControlPlanSha256?: string;
  readonly evidenceSha256: readonly string[];
}

export function approvalRecord(input: Omit<ApprovalRecord, 'format'>): ApprovalRecord {
  return {
    format: 'praesidium.approval-record/v1',
    ...input,
    evidenceSha256: [...input.evidenceSha256].sort(),
  };
}

export function approvalRecordSha256(record: ApprovalRecord): string {
  return contentHash(record);
}

/** The manifestation of a signature (21 CFR 11.50): who, printed name, when, meaning, on what. */
export interface SignatureManifestation {
  readonly signerSubject: string;
  readonly signerIssuer: string;
  readonly printedName: string;
  readonly signerRole: string;
  readonly meaning: SignatureMeaning;
  readonly signedAt: string;
  readonly recordSha256: string;
  readonly reauthenticatedBy: string;
}

/** The signer as the verified token shows them. */
export interface Signer {
  readonly subject: string;
  readonly issuer: string;
  readonly name?: string;
  readonly roles: readonly string[];
}

export interface SignRequest {
  readonly role: string;
  readonly meaning: SignatureMeaning;
  /** The SHA-256 of the record as the signer saw it: refused unless it is still the current one. */
  readonly recordSha256: string;
  /** Re-authentication at signing (21 CFR 11.200(a)): the signer's signing PIN. */
  readonly pin: string;
  readonly printedName?: string;
}

/** The manifestation of a signature by `signer` on the record whose SHA-256 is `recordSha256`, now. */
export function manifestSignature(
  signer: Signer,
  request: Pick<SignRequest, 'role' | 'meaning' | 'printedName'>,
  recordSha256: string,
): SignatureManifestation {
  return {
    signerSubject: signer.subject,
    signerIssuer: signer.issuer,
    printedName: request.printedName ?? signer.name ?? signer.subject,
    signerRole: request.role,
    meaning: request.meaning,
    signedAt: new Date().toISOString(),
    recordSha256,
    reauthenticatedBy: 'signing-pin',
  };
}

/** Hash of the whole manifestation, record hash included: what the audit trail commits to. */
export function signatureSha256(signature: SignatureManifestation): string {
  return contentHash(signature);
}

/** True when the signature was made on exactly this record. */
export function isBoundTo(
  signature: Pick<SignatureManifestation, 'recordSha256'>,
  record: ApprovalRecord,
): boolean {
  return signature.recordSha256 === approvalRecordSha256(record);
}

/** A signing PIN as stored: `scrypt$N$r$p$salt$key`, never the PIN. */
export async function hashSigningPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, KEY_LENGTH, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifySigningPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(pin, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
