import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import { VersionLifecycle } from '../lifecycle/version-lifecycle.service.js';
import { ModelVersionEntity } from '../model.entity.js';
import { SignatureEntity, SigningCredentialEntity } from '../registry-records.entity.js';
import {
  hashSigningPin,
  signatureSha256,
  verifySigningPin,
  type SignatureManifestation,
  type SignatureMeaning,
} from './signature.js';

const MAX_FAILED_ATTEMPTS = 5;
const LOCK_MINUTES = 15;

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
  /** The approval record's SHA-256 as the signer saw it: refused unless it is still the current one. */
  readonly recordSha256: string;
  /** Re-authentication at signing (21 CFR 11.200(a)): the signer's signing PIN. */
  readonly pin: string;
  readonly printedName?: string;
}

/**
 * Electronic signatures in the manner of 21 CFR Part 11: each names the signer, their printed name,
 * the time and the meaning (11.50), is bound to the SHA-256 of the record it signs so that it cannot
 * move to another record (11.70), and needs the signer's signing PIN at the moment of signing on top
 * of the bearer token (11.200: two distinct components). PINs are stored as scrypt hashes only.
 */
@Injectable()
export class ElectronicSignatures {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lifecycle: VersionLifecycle,
  ) {}

  /** Sets the signer's PIN; changing an existing one needs the current PIN. */
  async setSigningPin(subject: string, pin: string, currentPin: string | undefined): Promise<void> {
    const existing = await this.credentials().findOne({ where: { subject } });
    if (existing) {
      if (currentPin === undefined) throw new ProblemError('signature.pin_exists');
      await this.reauthenticate(subject, currentPin);
    }
    await this.credentials().save({
      subject,
      scrypt: await hashSigningPin(pin),
      failedAttempts: 0,
      lockedUntil: null,
      updatedAt: new Date(),
    });
  }

  async sign(version: ModelVersionEntity, signer: Signer, request: SignRequest): Promise<SignatureEntity> {
    if (!signer.roles.includes(request.role)) throw new ProblemError('signature.role_invalid');
    await this.reauthenticate(signer.subject, request.pin);
    const { sha256 } = await this.lifecycle.currentRecord(version);
    if (request.recordSha256 !== sha256) throw new ProblemError('signature.record_mismatch');
    const manifestation: SignatureManifestation = {
      signerSubject: signer.subject,
      signerIssuer: signer.issuer,
      printedName: request.printedName ?? signer.name ?? signer.subject,
      signerRole: request.role,
      meaning: request.meaning,
      signedAt: new Date().toISOString(),
      recordSha256: sha256,
      reauthenticatedBy: 'signing-pin',
    };
    const signature: SignatureEntity = {
      id: randomUUID(),
      versionId: version.id,
      ...manifestation,
      signedAt: new Date(manifestation.signedAt),
      signatureSha256: signatureSha256(manifestation),
    };
    await this.dataSource.getRepository(SignatureEntity).insert(signature);
    return signature;
  }

  async list(versionId: string): Promise<SignatureEntity[]> {
    return this.dataSource
      .getRepository(SignatureEntity)
      .find({ where: { versionId }, order: { signedAt: 'ASC' } });
  }

  /**
   * Checks the signer's PIN. After MAX_FAILED_ATTEMPTS wrong PINs in a row the credential is locked
   * for LOCK_MINUTES, so a stolen bearer token cannot be used to guess the PIN.
   */
  private async reauthenticate(subject: string, pin: string): Promise<void> {
    const credential = await this.credentials().findOne({ where: { subject } });
    if (!credential) throw new ProblemError('signature.reauthentication_failed');
    if (credential.lockedUntil && credential.lockedUntil > new Date())
      throw new ProblemError('signature.locked');
    if (await verifySigningPin(pin, credential.scrypt)) {
      if (credential.failedAttempts > 0)
        await this.credentials().update({ subject }, { failedAttempts: 0, lockedUntil: null });
      return;
    }
    // One statement, so concurrent wrong guesses each count.
    const [{ isLocked }] = await this.dataSource.query<[{ isLocked: boolean }]>(
      `WITH counted AS (
         UPDATE registry.signing_credential
            SET failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END,
                locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN now() + make_interval(mins => $3)
                                    ELSE locked_until END
          WHERE subject = $1
        RETURNING locked_until IS NOT NULL AND locked_until > now() AS "isLocked")
       SELECT "isLocked" FROM counted`,
      [subject, MAX_FAILED_ATTEMPTS, LOCK_MINUTES],
    );
    throw new ProblemError(isLocked ? 'signature.locked' : 'signature.reauthentication_failed');
  }

  private credentials() {
    return this.dataSource.getRepository(SigningCredentialEntity);
  }
}
