// Anytime-valid evidence: bounds and tests that stay valid however often they are looked at. A rollout checks
// its evidence every tick; a fixed-horizon test checked that often would raise false alarms far above its
// level (the peeking problem). These rest on Ville's inequality: a nonnegative supermartingale that starts at
// 1 ever reaches 1/alpha with probability at most alpha (Ramdas, Grünwald, Vovk, Shafer, "Game-theoretic
// statistics and safe anytime-valid inference", Statistical Science 2023).
// Pure: numbers in, numbers out.

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

/** Φ, the standard normal distribution function (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface Counts {
  readonly events: number;
  readonly trials: number;
}

/**
 * The e-value that the new version's rate minus the incumbent's is above (`side` 'above') or below ('below')
 * `margin`, from both variants' counts so far: the mixture sequential probability ratio test of Johari, Koomen,
 * Pekelis, Walsh ("Always valid inference: continuous monitoring of A/B tests", Operations Research 2022), one-sided
 * (half-normal mixtures over the difference, of widths from `scale` to 64 times it), on the normal approximation of the two rates
 * (asymptotically anytime-valid: Waudby-Smith et al., "Time-uniform central limit theory and asymptotic confidence
 * sequences", Annals of Statistics 2024). Rare events are where that approximation fails, so the variance is the
 * larger of the one observed and the one at the hypothesis's edge (the new version's rate = the incumbent's + the
 * margin): zero errors in 60 invocations are not taken for a rate known to be 0. An e-value reaches 1/alpha with
 * probability about alpha at most while the hypothesis holds, however often it is looked at.
 */
export function rateDifferenceEValue(
  ours: Counts,
  theirs: Counts,
  margin: number,
  side: 'above' | 'below',
  scale: number,
): number {
  if (ours.trials <= 0 || theirs.trials <= 0) return 1;
  // Half an event more on each side (Jeffreys): no variance of exactly 0.
  const smoothed = (counts: Counts) => (counts.events + 0.5) / (counts.trials + 1);
  const spread = (rate: number, trials: number) => (rate * (1 - rate)) / trials;
  const [ourRate, theirRate] = [smoothed(ours), smoothed(theirs)];
  const edge = Math.min(1, Math.max(0, theirRate + margin));
  const variance = Math.max(spread(ourRate, ours.trials), spread(edge, ours.trials)) + spread(theirRate, theirs.trials);
  const difference = ours.events / ours.trials - theirs.events / theirs.trials - margin;
  const x = side === 'above' ? difference : -difference;
  // Widths from the scale up: a narrow mixture is sharp at differences near the margin, a wide one at far larger
  // ones (a shadow failing a fifth of its copies); their average is an e-value too, at a cost of at most ln 4.
  const ratios = [1, 4, 16, 64].map((factor) => {
    const width = (scale * factor) ** 2;
    const lnRatio =
      0.5 * Math.log(variance / (variance + width)) +
      (width * x * x) / (2 * variance * (variance + width)) +
      Math.log(2 * normalCdf((Math.sqrt(width) * x) / Math.sqrt(variance * (variance + width))));
    return Math.exp(lnRatio);
  });
  return ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length;
}
