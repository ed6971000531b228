/**
 * The `jti` of every gateway assertion this server accepted, each kept until the assertion could no
 * longer verify anyway (its `exp` plus the clock skew): a second use within that time is a replay,
 * after it the verifier refuses the assertion as expired. Memory is bounded by time, not by count:
 * the gateway's assertions live 30 s, and none living over 60 s verifies.
 *
 * One process remembers its own calls only: a backend run as several replicas needs a shared store
 * (e.g. Redis `SET jti 1 NX EXAT exp`) to refuse a replay sent to another replica.
 */
export class SeenAssertions {
  /** jti → when it may be forgotten (seconds since the epoch), in insertion order. */
  private readonly forgetAt = new Map<string, number>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  get size(): number {
    return this.forgetAt.size;
  }

  /** Records the first use of `jti`; false if it was used before and is still remembered. */
  firstUse(jti: string, rememberUntilSeconds: number): boolean {
    this.forgetExpired();
    if (this.forgetAt.has(jti)) return false;
    this.forgetAt.set(jti, rememberUntilSeconds);
    return true;
  }

  /**
   * Drops expired entries from the oldest on. Assertions arrive in about the order they expire (one
   * lifetime for all), so the sweep stops at the first live one; one that expires later than those
   * after it only delays their sweep, by at most its own lifetime.
   */
  private forgetExpired(): void {
    const now = this.nowMs() / 1000;
    for (const [jti, until] of this.forgetAt) {
      if (until > now) return;
      this.forgetAt.delete(jti);
    }
  }
}
