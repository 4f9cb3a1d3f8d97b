// Simulated canaries for the evidence bench (bench/bench-evidence.ts): what each variant serves, fails and
// takes minute by minute, drawn from known rates with a seeded generator, so every run draws the same numbers.
// Pure: a seed and the rates in, minutes out. No emulator, no AWS.

/** mulberry32: a small deterministic generator, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One stream per (seed, canary, step): a step's minutes are the same whichever rule reaches them, and at
 * whatever minute of the rollout it does (murmur3's finalizer spreads the three numbers over the state).
 */
export function streamSeed(seed: number, canary: number, stepIndex: number): number {
  let h = (seed ^ Math.imul(canary + 1, 0x9e3779b1) ^ Math.imul(stepIndex + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * An exact Binomial(n, p) draw by inversion: one uniform, walked up the probabilities from 0. The walk is
 * as long as the count drawn, so the smaller tail is drawn (p above 1/2: n minus the other side's count).
 */
export function binomial(next: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(next, n, 1 - p);
  // A sum of binomials of one rate is a binomial: draws of 1,000 at most keep (1 - p)^n from underflowing.
  if (n > 1000) return binomial(next, 1000, p) + binomial(next, n - 1000, p);
  const ratio = p / (1 - p);
  let probability = (1 - p) ** n;
  if (probability === 0) throw new Error(`binomial(${n}, ${p}): P(0) underflows; inversion needs a smaller n`);
  let cumulative = probability;
  let count = 0;
  const u = next();
  while (u > cumulative && count < n) {
    probability *= (ratio * (n - count)) / (count + 1);
    count += 1;
    cumulative += probability;
  }
  return count;
}

/** A standard normal draw (Box–Muller, the cosine half only: two uniforms each, simple and deterministic). */
export function normal(next: () => number): number {
  const u = 1 - next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** Each invocation's ModelLatency: lognormal, median and sigma of its log. */
export interface LatencyShape {
  /** Microseconds, as ModelLatency reports. */
  readonly medianMicros: number;
  readonly sigma: number;
}

/** Below this many invocations a minute its Average is drawn exactly; from it on, by the central limit. */
export const exactLatencyBelow = 30;

/**
 * A minute's ModelLatency Average over n invocations. Exact (n lognormal draws) for few invocations, where
 * the skew matters; from 30 on a normal draw around the lognormal's mean with sd / sqrt(n), which keeps
 * 1,000 canaries at 1,000 invocations a minute fast (at sigma 0.5 the mean of 30 has skewness ~0.3).
 */
export function minuteAverageLatency(next: () => number, n: number, shape: LatencyShape): number | undefined {
  if (n <= 0) return undefined;
  const mu = Math.log(shape.medianMicros);
  if (n < exactLatencyBelow) {
    let sum = 0;
    for (let index = 0; index < n; index += 1) sum += Math.exp(mu + shape.sigma * normal(next));
    return sum / n;
  }
  const mean = Math.exp(mu + (shape.sigma * shape.sigma) / 2);
  const sd = mean * Math.sqrt(Math.expm1(shape.sigma * shape.sigma));
  // A draw 5.5 sd below would be negative (n = 30): a latency is never below zero.
  return Math.max(mean + (sd / Math.sqrt(n)) * normal(next), 1);
}

/** The rates one simulated canary is drawn from. */
export interface CanaryWorld {
  readonly invocationsPerMinute: number;
  readonly incumbentErrorRate: number;
  readonly challengerErrorRate: number;
  readonly incumbentLatency: LatencyShape;
  readonly challengerLatency: LatencyShape;
}

/** One variant in one minute: what CloudWatch would report (no latency datapoint without invocations). */
export interface VariantMinute {
  readonly invocations: number;
  readonly errors5xx: number;
  readonly latency?: number;
}

export interface CanaryMinute {
  readonly challenger: VariantMinute;
  /** Absent at the 100% step: the incumbent serves nothing, so CloudWatch has no datapoint. */
  readonly incumbent?: VariantMinute;
}

function variantMinute(next: () => number, invocations: number, errorRate: number, latency: LatencyShape) {
  const errors5xx = binomial(next, invocations, errorRate);
  const average = minuteAverageLatency(next, invocations, latency);
  return average === undefined ? { invocations, errors5xx } : { invocations, errors5xx, latency: average };
}

/**
 * One step's minutes at `percent` of the traffic: each minute's invocations split Binomial(T, share), each
 * variant's 5XX errors Binomial(its invocations, its rate), its latency as minuteAverageLatency draws it.
 */
export function stepMinutes(next: () => number, world: CanaryWorld, percent: number, count: number): CanaryMinute[] {
  return Array.from({ length: count }, () => {
    const ours = binomial(next, world.invocationsPerMinute, percent / 100);
    const challenger = variantMinute(next, ours, world.challengerErrorRate, world.challengerLatency);
    if (percent >= 100) return { challenger };
    const theirs = world.invocationsPerMinute - ours;
    return { challenger, incumbent: variantMinute(next, theirs, world.incumbentErrorRate, world.incumbentLatency) };
  });
}
