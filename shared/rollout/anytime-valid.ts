// Anytime-valid evidence: bounds and tests that stay valid however often they are looked at. A rollout checks
// its evidence every tick; a fixed-horizon test checked that often would raise false alarms far above its
// level (the peeking problem). These rest on Ville's inequality: a nonnegative supermartingale that starts at
// 1 ever reaches 1/alpha with probability at most alpha (Ramdas, Grünwald, Vovk, Shafer, "Game-theoretic
// statistics and safe anytime-valid inference", Statistical Science 2023).
// Pure: numbers in, numbers out.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0] as number;
  for (let index = 1; index < 9; index += 1) sum += (c[index] as number) / (z + index);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** Jeffreys' Beta(1/2, 1/2): some weight on the small rates errors have. */
const prior = { a: 0.5, b: 0.5 };

/**
 * ln of the beta-binomial mixture martingale at rate p after `events` of `trials` (Robbins 1970), as a
 * function of p: a martingale under p, so the rates where it stays below ln(1/level) form a confidence
 * sequence. The mixture's part does not depend on p: computed once.
 */
function lnMixtureAt(events: number, trials: number): (p: number) => number {
  const misses = trials - events;
  const mixture = lnBeta(prior.a + events, prior.b + misses) - lnBeta(prior.a, prior.b);
  return (p) => mixture - (events > 0 ? events * Math.log(p) : 0) - (misses > 0 ? misses * Math.log1p(-p) : 0);
}

/** The rate in [low, high] where `inside` turns false, by bisection (60 halvings: below 1e-18). */
function boundary(low: number, high: number, inside: (p: number) => boolean): number {
  let [innerEnd, outerEnd] = [low, high];
  for (let step = 0; step < 60; step += 1) {
    const middle = (innerEnd + outerEnd) / 2;
    if (inside(middle)) innerEnd = middle;
    else outerEnd = middle;
  }
  return innerEnd;
}

export interface RateBounds {
  readonly low: number;
  readonly high: number;
}

/**
 * A confidence sequence for a rate from `events` in `trials` (a variant's errors in its invocations): with
 * probability at least 1 - level, the true rate lies within the bounds at every moment of the rollout at once.
 * Howard, Ramdas, McAuliffe, Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences",
 * Annals of Statistics 2021 (the beta-binomial mixture, §3).
 */
export function rateBounds(events: number, trials: number, level: number): RateBounds {
  if (trials <= 0) return { low: 0, high: 1 };
  const threshold = Math.log(1 / level);
  const lnMixture = lnMixtureAt(events, trials);
  const inside = (p: number) => lnMixture(p) < threshold;
  const estimate = Math.min(Math.max(events / trials, 1e-12), 1 - 1e-12);
  const low = events === 0 ? 0 : 1 - boundary(1 - estimate, 1, (q) => inside(1 - q));
  const high = events === trials ? 1 : boundary(estimate, 1, inside);
  return { low, high };
}

/**
 * The bets of the sign test: each minute stakes a share λ of its wealth on "this minute's outcome is true",
 * at even odds. An equal mixture of several λ grows fast on strong evidence and survives a few contrary
 * minutes. Waudby-Smith, Ramdas, "Estimating means of bounded random variables by betting", JRSS B 2024.
 */
const stakes = [0.2, 0.5, 1, 1.5, 1.9] as const;

/**
 * The e-value against "each minute's outcome is true with probability at most 1/2" after these minutes: a
 * test supermartingale under that hypothesis, so it reaches 1/alpha with probability at most alpha. Used on
 * per-minute comparisons ("the challenger's latency was above the limit this minute"): a sequential sign
 * test, free of any assumption on how the metric is distributed.
 */
export function signTestEValue(outcomes: readonly boolean[]): number {
  const test = signTest();
  for (const outcome of outcomes) test.add(outcome);
  return test.eValue();
}

/** The sign test minute by minute: add each minute's outcome, read the e-value at any time. */
export function signTest(): { add: (outcome: boolean) => void; eValue: () => number } {
  const logWealth = stakes.map(() => 0);
  return {
    add(outcome) {
      stakes.forEach((stake, index) => {
        logWealth[index] = (logWealth[index] as number) + Math.log1p(outcome ? stake / 2 : -stake / 2);
      });
    },
    eValue() {
      const largest = Math.max(...logWealth);
      const sum = logWealth.reduce((total, log) => total + Math.exp(log - largest), 0);
      return Math.exp(largest) * (sum / stakes.length);
    },
  };
}

/**
 * About how many minutes the sign test needs to reach `target` when a share `share` of the minutes come out
 * true: ln(target × number of stakes) over the best stake's expected growth per minute. Infinity when the
 * share gives no growth (at most 1/2).
 */
export function signTestMinutesNeeded(share: number, target: number): number {
  const growth = Math.max(
    ...stakes.map((stake) => share * Math.log1p(stake / 2) + (1 - share) * Math.log1p(-stake / 2)),
  );
  if (growth <= 0) return Number.POSITIVE_INFINITY;
  return Math.ceil(Math.log(target * stakes.length) / growth);
}
