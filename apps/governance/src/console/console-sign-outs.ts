import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * Added to a session's token expiry: the largest clock skew a trusted issuer may be given
 * (`clockSkewSeconds`, at most 300 s), during which the token, and so the session, is still accepted.
 */
const LARGEST_CLOCK_SKEW_SECONDS = 300;
/** The longest token lifetime any issuer may be given: the bound when a token's expiry is unknown. */
const LONGEST_TOKEN_LIFETIME_SECONDS = 86_400;
/** Expired sign-outs are deleted this often; a row past its expiry is harmless, only useless. */
const CLEANUP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * The console's signed-out sessions, shared by every governance process through the database
 * (`access.console_sign_out`). Read on every console request that carries a session, with no cache:
 * a sign-out through one process is refused by every other one from its next request on, and a
 * database that cannot be read throws, so the session is refused rather than trusted (fail closed).
 * The session id is no credential: a cookie can only be made with the `console-session` key.
 */
@Injectable()
export class ConsoleSignOuts implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ConsoleSignOuts');
  private cleaner: NodeJS.Timeout | undefined;
  private cleaning: Promise<void> | undefined;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onModuleInit(): void {
    this.cleaner = setInterval(() => {
      this.cleaning = this.cleanUp();
    }, CLEANUP_INTERVAL_MS);
    this.cleaner.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.cleaner);
    await this.cleaning;
  }

  /** Whether the session was signed out (throws when the database cannot answer). */
  async isSignedOut(sessionId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM access.console_sign_out WHERE session_id = $1`,
      [sessionId],
    );
    return rows.length > 0;
  }

  /**
   * Records the sign-out of a session whose token expires at `tokenExpiresAt` (seconds since the
   * epoch; unknown: the longest lifetime from now); kept until no process could accept that token any
   * more. Signing out twice is harmless: the first sign-out stays as it was.
   */
  async signOut(sessionId: string, tokenExpiresAt?: number): Promise<void> {
    const tokenEnd = tokenExpiresAt ?? Date.now() / 1000 + LONGEST_TOKEN_LIFETIME_SECONDS;
    const expiresAt = new Date((tokenEnd + LARGEST_CLOCK_SKEW_SECONDS) * 1000);
    await this.db.query(
      `INSERT INTO access.console_sign_out (session_id, expires_at) VALUES ($1, $2)
         ON CONFLICT (session_id) DO NOTHING`,
      [sessionId, expiresAt],
    );
  }

  /** Deletes the sign-outs past their expiry (the database refuses to delete any other). */
  async removeExpired(): Promise<number> {
    const [, count]: [unknown, number] = await this.db.query(
      `DELETE FROM access.console_sign_out WHERE expires_at < now()`,
    );
    return count;
  }

  private async cleanUp(): Promise<void> {
    try {
      await this.removeExpired();
    } catch (error) {
      this.logger.warn(`cleanup failed: ${error instanceof Error ? error.name : 'error'}; retrying later`);
    }
  }
}
