import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import { VersionLifecycle } from '../lifecycle/version-lifecycle.service.js';
import { ModelVersionEntity } from '../model.entity.js';
import { SignatureEntity } from '../registry-records.entity.js';
import { manifestSignature, signatureSha256, type Signer, type SignRequest } from './signature.js';
import { SigningCredentials, type PinHolder } from './signing-credentials.service.js';

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
    private readonly credentialStore: SigningCredentials,
  ) {}

  /** Sets the signer's PIN (see `SigningCredentials`). */
  async setSigningPin(holder: PinHolder, pin: string, currentPin: string | undefined): Promise<void> {
    await this.credentialStore.setSigningPin(holder, pin, currentPin);
  }

  async sign(version: ModelVersionEntity, signer: Signer, request: SignRequest): Promise<SignatureEntity> {
    if (!signer.roles.includes(request.role)) throw new ProblemError('signature.role_invalid');
    await this.credentialStore.reauthenticate(signer, request.pin);
    const { sha256 } = await this.lifecycle.currentRecord(version);
    if (request.recordSha256 !== sha256) throw new ProblemError('signature.record_mismatch');
    const manifestation = manifestSignature(signer, request, sha256);
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
}
