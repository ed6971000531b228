import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import { SigningCredentialEntity } from '../registry-records.entity.js';
import { hashSigningPin, verifySigningPin, type Signer } from './signature.js';

const MAX_FAILED_ATTEMPTS = 5;
const LOCK_MINUTES = 15;

/**
 * The issuer of a signing PIN set before PINs were keyed by issuer and subject, whose issuer the
 * audit trail did not show (migration 1766000000000). No verified token has an empty `iss`, so such a
 * PIN signs for nobody until an operator binds it (`praesidium signing-pins bind`).
 */
export const UNBOUND_ISSUER = '';

/** Whose PIN: a subject at an issuer (the same `sub` at another trusted IdP is someone else). */
export type PinHolder = Pick<Signer, 'subject' | 'issuer'>;

/**
 * Signing PINs: the second component of every Part 11 signature (21 CFR 11.200), one per signer for
 * every record they sign — model versions' approval records and bias reports alike. Stored as scrypt
 * hashes only, keyed by issuer and subject; wrong PINs lock signing (11.300(d)).
 */
@Injectable()
export class SigningCredentials {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Sets the signer's PIN; changing an existing one needs the current PIN. */
  async setSigningPin(holder: PinHolder, pin: string, currentPin: string | undefined): Promise<void> {
    // The unbound marker is nobody's issuer: no PIN is ever set under it.
    if (holder.issuer === UNBOUND_ISSUER) throw new ProblemError('signature.reauthentication_failed');
    const existing = await this.find(holder);
    if (existing) {
      if (currentPin === undefined) throw new ProblemError('signature.pin_exists');
      await this.reauthenticate(holder, currentPin);
    } else {
      // A fresh PIN beside an unbound one would let a stolen bearer token alone enrol and sign.
      await this.refuseIfUnbound(holder);
    }
    await this.credentials().save({
      issuer: holder.issuer,
      subject: holder.subject,
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
  async reauthenticate(holder: PinHolder, pin: string): Promise<void> {
    const credential = await this.find(holder);
    if (!credential) {
      await this.refuseIfUnbound(holder);
      throw new ProblemError('signature.reauthentication_failed');
    }
    if (credential.lockedUntil && credential.lockedUntil > new Date())
      throw new ProblemError('signature.locked');
    const key = { issuer: holder.issuer, subject: holder.subject };
    if (await verifySigningPin(pin, credential.scrypt)) {
      if (credential.failedAttempts > 0)
        await this.credentials().update(key, { failedAttempts: 0, lockedUntil: null });
      return;
    }
    // One statement, so concurrent wrong guesses each count.
    const [{ isLocked }] = await this.dataSource.query<[{ isLocked: boolean }]>(
      `WITH counted AS (
         UPDATE registry.signing_credential
            SET failed_attempts = CASE WHEN failed_attempts + 1 >= $3 THEN 0 ELSE failed_attempts + 1 END,
                locked_until = CASE WHEN failed_attempts + 1 >= $3 THEN now() + make_interval(mins => $4)
                                    ELSE locked_until END
          WHERE issuer = $1 AND subject = $2
        RETURNING locked_until IS NOT NULL AND locked_until > now() AS "isLocked")
       SELECT "isLocked" FROM counted`,
      [key.issuer, key.subject, MAX_FAILED_ATTEMPTS, LOCK_MINUTES],
    );
    throw new ProblemError(isLocked ? 'signature.locked' : 'signature.reauthentication_failed');
  }

  /** The PINs that await an operator's binding to their issuer, oldest first. */
  async listUnbound(): Promise<{ subject: string; updatedAt: Date }[]> {
    const rows = await this.credentials().find({
      where: { issuer: UNBOUND_ISSUER },
      order: { updatedAt: 'ASC', subject: 'ASC' },
    });
    return rows.map(({ subject, updatedAt }) => ({ subject, updatedAt }));
  }

  /**
   * Binds the unbound PIN of `subject` to `issuer`, the issuer its signer signs in with (an operator's
   * decision: the record did not show it). False when the subject has no unbound PIN.
   */
  async bindUnbound(subject: string, issuer: string): Promise<boolean> {
    if (issuer === UNBOUND_ISSUER) return false;
    const result = await this.credentials().update({ issuer: UNBOUND_ISSUER, subject }, { issuer });
    return (result.affected ?? 0) > 0;
  }

  private async find(holder: PinHolder): Promise<SigningCredentialEntity | null> {
    // An empty issuer is the unbound marker, never a holder's: it matches nobody.
    if (holder.issuer === UNBOUND_ISSUER) return null;
    return this.credentials().findOneBy({ issuer: holder.issuer, subject: holder.subject });
  }

  /** `signature.pin_unbound` while a PIN of this subject awaits an operator's binding to its issuer. */
  private async refuseIfUnbound(holder: PinHolder): Promise<void> {
    const unbound = await this.credentials().existsBy({ issuer: UNBOUND_ISSUER, subject: holder.subject });
    if (unbound) throw new ProblemError('signature.pin_unbound');
  }

  private credentials() {
    return this.dataSource.getRepository(SigningCredentialEntity);
  }
}
