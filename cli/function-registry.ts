import type { RunContext, RunResult } from '#shared/runtime/run-context.ts';

export type UseCase = (event: unknown, context: RunContext) => Promise<RunResult>;

/**
 * The use case behind each function of serverless.yml, loaded on demand so that replaying one
 * event loads one function's code, as a Lambda would.
 */
export const useCases: Readonly<Record<string, () => Promise<UseCase>>> = {
  approve: async () => (await import('#functions/approve/approve.ts')).approveModelPackage,
  deploy: async () => (await import('#functions/deploy/deploy.ts')).deployApprovedPackage,
  advance: async () => (await import('#functions/advance/advance.ts')).advanceRollouts,
  rollback: async () => (await import('#functions/rollback/rollback.ts')).rollBackOnAlarm,
  'pipeline-events': async () => (await import('#functions/pipeline-events/pipeline-events.ts')).handlePipelineEvent,
  'reconcile-worker': async () => (await import('#functions/reconcile-worker/reconcile-worker.ts')).reconcileWork,
  'endpoint-events': async () => (await import('#functions/endpoint-events/endpoint-events.ts')).followSageMaker,
};
