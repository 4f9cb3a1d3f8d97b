// The operator CLI's commands as notices and hints print them, runnable as printed: they name the stage of
// the stack that sent them, since `rollout` reaches the emulator's stack when no stage is given and a
// command meant for prod would otherwise answer about a table that is not there. Pure.

/** The stage of local runs (the emulator's stack): what the CLI uses when no stage is named. */
export const localStage = 'local';

/** A command a person would run next, before the stage is known: `rollout <command> [options]`, and what for. */
export interface CommandHint {
  /** `To stop it`, `To see what happened`: the words before the command. */
  readonly purpose: string;
  /** The command and its positional arguments: `abort fraud-prod`. */
  readonly command: string;
  /** Options after the stage: `--reason "..."`. */
  readonly options?: string;
}

/** `npx rollout abort fraud-prod --stage prod --reason "..."`; no `--stage` for the local stage. */
export function rolloutCommand(stage: string, command: string, options = ''): string {
  const words = ['npx rollout', command, stage === localStage ? '' : `--stage ${stage}`, options];
  return words.filter((word) => word !== '').join(' ');
}

/** `To stop it: npx rollout abort fraud-prod --stage prod --reason "..."`. */
export function hintLine(hint: CommandHint, stage: string): string {
  return `${hint.purpose}: ${rolloutCommand(stage, hint.command, hint.options)}`;
}
