// What a person's command does to a rollout, for every target: pause, resume, promote, abort. Pure: the
// record in, the record out or a refusal that names the target and says why. What the target cannot do
// is refused from its capabilities (targets/target.ts); the CLI reads and writes (cli/operator-commands.ts).
import type { TargetCapabilities } from '#shared/targets/target.ts';
import { isActive, type Rollout } from './rollout-state.ts';

export type OperatorCommand =
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'promote'; readonly reason: string }
  | { readonly kind: 'abort'; readonly reason: string };

/** `next` is the same object as the rollout when the command changes nothing (already paused, already rolling back). */
export type CommandOutcome = { readonly next: Rollout } | { readonly refused: string };

function withNote(rollout: Rollout, at: string, note: string, changes: Partial<Rollout>, actor: string): Rollout {
  const entry = { at, phase: changes.phase ?? rollout.phase, note, actor };
  return { ...rollout, ...changes, history: [...rollout.history, entry] };
}

function refusal(capabilities: TargetCapabilities, rollout: Rollout, command: string, why: string) {
  return {
    refused: `endpoint ${rollout.endpointName}: not ${command}: v${rollout.packageVersion} is ${rollout.phase} on ${capabilities.describedAs}; ${why}`,
  };
}

export function applyOperatorCommand(
  capabilities: TargetCapabilities,
  rollout: Rollout,
  command: OperatorCommand,
  who: string,
  at: string,
): CommandOutcome {
  if (!isActive(rollout)) return { refused: `endpoint ${rollout.endpointName}: no active rollout` };
  switch (command.kind) {
    case 'pause':
      if (rollout.paused) return { next: rollout };
      if (rollout.phase === 'RollingBack') {
        return refusal(
          capabilities,
          rollout,
          'paused',
          'a rollback is never held: it returns traffic to the incumbent',
        );
      }
      if (!capabilities.pausablePhases.includes(rollout.phase)) {
        return refusal(capabilities, rollout, 'paused', capabilities.pauseRefused);
      }
      return { next: withNote(rollout, at, `paused by ${who}`, { paused: true }, who) };
    case 'resume':
      return rollout.paused
        ? { next: withNote(rollout, at, `resumed by ${who}`, { paused: false }, who) }
        : { next: rollout };
    case 'promote': {
      if (rollout.promotedBy !== undefined) return { next: rollout };
      if (!capabilities.promotablePhases.includes(rollout.phase)) {
        return refusal(capabilities, rollout, 'promoted', capabilities.promoteRefused);
      }
      const note = `promoted by ${who}: ${command.reason}`;
      return { next: withNote(rollout, at, note, { promotedBy: who, paused: false }, who) };
    }
    case 'abort': {
      if (rollout.phase === 'RollingBack') return { next: rollout };
      if (rollout.phase === 'Creating') {
        return refusal(capabilities, rollout, 'aborted', 'a first deployment has no earlier version to roll back to');
      }
      const note = `aborted by ${who}: ${command.reason}`;
      // Before the target was touched there is nothing to roll back: the rollout simply fails.
      const untouched = rollout.phase === 'AwaitingPipeline' || rollout.phase === 'Starting';
      const changes = {
        phase: untouched ? 'Failed' : 'RollingBack',
        phaseSince: at,
        reason: note,
        rollbackCause: 'operator',
      } as const;
      return { next: withNote(rollout, at, note, changes, who) };
    }
  }
}
