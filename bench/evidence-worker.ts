// A child process of the evidence bench (bench/bench-evidence.ts): simulates the ranges of canaries it is sent
// and sends their outcomes back, so the bench uses every core. Forked with the parent's tsx loader.
import { type CanaryOutcomes, scenarios, simulateCanaries } from './evidence-scenarios.ts';

export interface EvidenceTask {
  readonly scenarioIndex: number;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
}

export interface EvidenceTaskDone extends EvidenceTask {
  readonly outcomes: CanaryOutcomes[];
}

process.on('message', (task: EvidenceTask) => {
  const scenario = scenarios[task.scenarioIndex];
  if (scenario === undefined) throw new Error(`evidence worker: no scenario ${task.scenarioIndex}`);
  const done: EvidenceTaskDone = { ...task, outcomes: simulateCanaries(scenario, task.seed, task.from, task.to) };
  process.send?.(done);
});
