// `npm run bench -- --evidence [--runs N] [--seed N] [--workers N] [--json]`, or alone:
// `npx tsx bench/bench-evidence.ts [...]`. How the sequential rule (judgeSequential, every minute) and the
// threshold rule (judgeAnalysis, at the end of each bake or every minute) judge the same simulated canaries
// (bench/evidence-scenarios.ts): false rollbacks of an A/A canary, how soon a worse version rolls back, and
// what low traffic does to both. A pure simulation (no emulator, no AWS), the same numbers on every run.
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { exactLatencyBelow } from './canary-draws.ts';
import type { RuleName } from './canary-rules.ts';
import {
  analysis,
  type CanaryOutcomes,
  defaultSeed,
  plan,
  type RuleSummary,
  type Scenario,
  type Share,
  scenarios,
  simulateCanaries,
  summarize,
} from './evidence-scenarios.ts';
import type { EvidenceTask, EvidenceTaskDone } from './evidence-worker.ts';

function wholeArgument(flag: string, fallback: number, least: number): number {
  const index = process.argv.indexOf(flag);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < least) throw new Error(`${flag}: expected a whole number ≥ ${least}`);
  return value;
}

/** Canaries per task: small enough that the processes finish together, large enough to amortise a message. */
const chunk = 50;

function tasksOf(runs: number, seed: number): EvidenceTask[] {
  return scenarios.flatMap((_, scenarioIndex) =>
    Array.from({ length: Math.ceil(runs / chunk) }, (_, index) => ({
      scenarioIndex,
      seed,
      from: index * chunk,
      to: Math.min(runs, (index + 1) * chunk),
    })),
  );
}

/**
 * Every scenario's canaries, spread over `workers` child processes that each take the next task when done.
 * A canary's outcome depends only on the seed and its number, so the split never changes the numbers.
 */
async function simulateAll(runs: number, seed: number, workers: number): Promise<CanaryOutcomes[][]> {
  const tasks = tasksOf(runs, seed);
  const results: CanaryOutcomes[][][] = scenarios.map(() => []);
  const keep = (done: EvidenceTaskDone) => {
    (results[done.scenarioIndex] as CanaryOutcomes[][])[done.from / chunk] = done.outcomes;
  };
  if (workers === 1) {
    for (const task of tasks) {
      const scenario = scenarios[task.scenarioIndex] as Scenario;
      keep({ ...task, outcomes: simulateCanaries(scenario, task.seed, task.from, task.to) });
    }
  } else {
    const script = fileURLToPath(new URL('./evidence-worker.ts', import.meta.url));
    const queue = [...tasks];
    const run = (child: ChildProcess) =>
      new Promise<void>((resolve, reject) => {
        const next = () => {
          const task = queue.shift();
          if (task === undefined) {
            child.disconnect();
            resolve();
          } else child.send(task);
        };
        child.on('message', (done: EvidenceTaskDone) => {
          keep(done);
          next();
        });
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code !== 0) reject(new Error(`evidence worker exited with ${code}`));
        });
        next();
      });
    // fork() passes on this process's execArgv: tsx's loader, so the child runs TypeScript too.
    await Promise.all(Array.from({ length: workers }, () => run(fork(script, [], { stdio: 'inherit' }))));
  }
  return results.map((pieces) => pieces.flat());
}

const ruleWords: Record<RuleName, string> = {
  sequential: 'sequential, every minute',
  'threshold at bake end': 'threshold, at bake end',
  'threshold every minute': 'threshold, every minute (peeking)',
};

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const withInterval = (share: Share) => `${percent(share.share)} (${percent(share.low)}–${percent(share.high)})`;

function tableRows(scenario: Scenario, summaries: readonly RuleSummary[]): string[] {
  return summaries.map((summary) => {
    const rollback = summary.minutesToRollback;
    const cells = [
      scenario.name,
      ruleWords[summary.rule],
      withInterval(summary.rolledBack),
      summary.rolledBackAtStep.join(' / '),
      rollback === undefined ? '–' : `${rollback.median} / ${rollback.p95}`,
      percent(summary.reachedFull.share),
      percent(summary.completed.share),
      percent(summary.deadline.share),
      summary.minutesToComplete === undefined ? '–' : `${summary.minutesToComplete.median}`,
    ];
    return `| ${cells.join(' | ')} |`;
  });
}

/** How the canaries are drawn, in words for the README. */
function drawsWords(): string {
  return [
    `Each canary is simulated minute by minute: T invocations a minute split Binomial(T, step share) between the`,
    `variants (the incumbent serves nothing at 100%), each variant's 5XX errors Binomial(its invocations, its rate),`,
    `both drawn exactly (by inversion); a variant's ModelLatency Average for the minute is the mean of its`,
    `invocations' lognormal latencies (median 40 ms, sigma 0.5), drawn exactly below ${exactLatencyBelow} invocations and`,
    `as a normal around the lognormal's mean with sd/sqrt(n) from ${exactLatencyBelow} on. Generator: mulberry32, one stream per`,
    `(seed, canary, step), so every rule sees the same minutes of each step whenever it gets there, and canary k`,
    `of each scenario draws from the same stream. Minutes are judged as soon as they end (no settling delay).`,
  ].join('\n');
}

function markdown(
  results: readonly { scenario: Scenario; summaries: readonly RuleSummary[] }[],
  meta: { runs: number; seed: number; workers: number; wallSeconds: number },
): string {
  const header = [
    'scenario',
    'rule',
    'rolled back (95% CI)',
    'rolled back at 10 / 50 / 100%',
    'min to rollback, median / p95',
    'reached 100%',
    'completed',
    'deadline',
    'min to complete, median',
  ];
  return [
    `${meta.runs.toLocaleString('en-US')} simulated canaries per scenario, seed ${meta.seed}; wall time ${meta.wallSeconds.toFixed(1)} s on ${meta.workers} process${meta.workers === 1 ? '' : 'es'} (${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, node ${process.version}).`,
    `Canary: steps ${plan.steps.join(' → ')}%, ${plan.bakeMinutes}-minute bakes, at most ${plan.deadlineMinutes} minutes of waiting past a bake (then "deadline": the project puts the incumbent back and marks the rollout Failed, not the version); T = 2,000 invocations a minute unless said; incumbent 1% 5XX.`,
    `Policy for both rules: maxErrorRateIncrease ${analysis.maxErrorRateIncrease}, maxLatencyIncreasePercent ${analysis.maxLatencyIncreasePercent}, minInvocations ${analysis.minInvocations}, alpha ${analysis.alpha}, latencyStatistic ${analysis.latencyStatistic}. Minutes count from the canary's start.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, index) => (index < 2 ? '---' : '---:')).join('|')}|`,
    ...results.flatMap(({ scenario, summaries }) => tableRows(scenario, summaries)),
    '',
    drawsWords(),
  ].join('\n');
}

async function main(): Promise<void> {
  const runs = wholeArgument('--runs', 1000, 1);
  const seed = wholeArgument('--seed', defaultSeed, 0);
  const workers = wholeArgument('--workers', Math.min(os.availableParallelism(), Math.ceil(runs / chunk)), 1);
  const started = performance.now();
  const outcomes = await simulateAll(runs, seed, workers);
  const results = scenarios.map((scenario, index) => ({
    scenario,
    summaries: summarize(outcomes[index] ?? []),
  }));
  const wallSeconds = (performance.now() - started) / 1000;
  const meta = { runs, seed, workers, wallSeconds };
  if (process.argv.includes('--json')) {
    const shown = results.map(({ scenario, summaries }) => ({ ...scenario, rules: summaries }));
    console.log(JSON.stringify({ ...meta, plan, analysis, scenarios: shown }, null, 2));
    return;
  }
  console.log(markdown(results, meta));
}

await main();
