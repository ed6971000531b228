import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import { SigningCredentialEntity } from '../registry-records.entity.js';
import { hashSigningPin, verifySigningPin } from './signature.js';

const MAX_FAILED_ATTEMPTS = 5;
const LOCK_MINUTES = 15;

/**
 * Signing PINs: the second component of every Part 11 signature (21 CFR 11.200), one per signer for
 * every record they sign — model versions' approval records and bias reports alike. Stored as scrypt
 * hashes only; wrong PINs lock signing (11.300(d)).
 */
@Injectable()
export class SigningCredentials {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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

  /**
   * Checks the signer's PIN. After MAX_FAILED_ATTEMPTS wrong PINs in a row the credential is locked
   * for LOCK_MINUTES, so a stolen bearer token cannot be used to guess the PIN.
   */
  async reauthenticate(subject: string, pin: string): Promise<void> {
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
