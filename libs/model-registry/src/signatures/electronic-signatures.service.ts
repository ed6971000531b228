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
    const repository = this.dataSource.getRepository(SigningCredentialEntity);
    const existing = await repository.findOne({ where: { subject } });
    if (existing) {
      if (currentPin === undefined) throw new ProblemError('signature.pin_exists');
      if (!(await verifySigningPin(currentPin, existing.scrypt)))
        throw new ProblemError('signature.reauthentication_failed');
    }
    await repository.save({ subject, scrypt: await hashSigningPin(pin), updatedAt: new Date() });
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

  private async reauthenticate(subject: string, pin: string): Promise<void> {
    const credential = await this.dataSource
      .getRepository(SigningCredentialEntity)
      .findOne({ where: { subject } });
    if (!credential || !(await verifySigningPin(pin, credential.scrypt)))
      throw new ProblemError('signature.reauthentication_failed');
  }
}
