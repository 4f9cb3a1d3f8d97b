/**
 * A token bucket: at most `burst` calls at once, then `ratePerSecond` on average. `take` waits for a
 * token instead of letting the call be throttled; time and sleep are arguments, so tests need no clock.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = at;
  }

  /** Resolves when the caller may make its call; callers queue in the order they asked. */
  async take(): Promise<void> {
    this.refill();
    // Claim the token now (it may go negative): later callers wait behind this one.
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    await this.sleep((-this.tokens / this.ratePerSecond) * 1000);
  }
}
