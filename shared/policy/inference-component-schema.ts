// An inference component group: its `inferenceComponent` (the shared endpoint, the component, the compute each
// copy needs, the rolling update's batches), refused here where SageMaker would refuse the request.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentCapacitySize.html
import * as z from 'zod/mini';
import { addProblem, positiveInteger } from './schema-values.ts';

// Component and variant names: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html
// (63 characters); 56 here: the models the rollout makes are named `<component>-v<version>`.
const componentName = z
  .string()
  .check(
    z.regex(
      /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,55}$/,
      'expected an inference component name of at most 56 letters, digits and hyphens',
    ),
  );
const variantName = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'expected a production variant name'));
const endpointName = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'expected a SageMaker endpoint name'));

/** MaximumBatchSize "must be between 5% to 50% of the copy count" (InferenceComponentRollingUpdatePolicy). */
export const batchPercentRange = { least: 5, most: 50 } as const;

const capacitySize = z.strictObject({
  type: z.enum(['COPY_COUNT', 'CAPACITY_PERCENT']),
  value: positiveInteger(1),
});
export type CapacitySize = z.infer<typeof capacitySize>;

// InferenceComponentComputeResourceRequirements: MinMemoryRequiredInMb required, >= 128; MaxMemoryRequiredInMb
// >= 128; NumberOfAcceleratorDevicesRequired >= 1; NumberOfCpuCoresRequired >= 0.25.
const computeResources = z
  .strictObject({
    numberOfCpuCoresRequired: z.optional(z.number().check(z.minimum(0.25, 'expected at least 0.25 cores'))),
    numberOfAcceleratorDevicesRequired: z.optional(z.number().check(z.minimum(1, 'expected at least 1 device'))),
    minMemoryRequiredInMb: positiveInteger(128),
    maxMemoryRequiredInMb: z.optional(positiveInteger(128)),
  })
  .check(
    z.superRefine((value, ctx) => {
      if (value.maxMemoryRequiredInMb !== undefined && value.maxMemoryRequiredInMb < value.minMemoryRequiredInMb) {
        addProblem(ctx, `at least minMemoryRequiredInMb (${value.minMemoryRequiredInMb})`, ['maxMemoryRequiredInMb']);
      }
    }),
  );

export const inferenceComponent = z
  .strictObject({
    /** The endpoint that hosts the component, which the team creates (a variant without a model). */
    endpointName,
    /** The component the group's versions go to; by default the group's name. */
    componentName: z.optional(componentName),
    /** The endpoint's production variant the component is placed on (first version); by default AllTraffic. */
    variantName: z._default(variantName, 'AllTraffic'),
    computeResources,
    /** The first version's copies; later versions keep the component's (its auto scaling may move them). */
    copyCount: z._default(positiveInteger(1), 1),
    maximumBatchSize: z._default(capacitySize, { type: 'CAPACITY_PERCENT', value: 25 }),
    /** Absent: SageMaker rolls back all at once ("100% of the total capacity"). */
    rollbackMaximumBatchSize: z.optional(capacitySize),
  })
  .check(
    z.superRefine((value, ctx) => {
      const { least, most } = batchPercentRange;
      const batch = value.maximumBatchSize;
      if (batch.type === 'CAPACITY_PERCENT' && (batch.value < least || batch.value > most)) {
        addProblem(ctx, `${least}% to ${most}% of the copy count (SageMaker's MaximumBatchSize)`, [
          'maximumBatchSize',
          'value',
        ]);
      }
      // One copy is the smallest batch there is; more must stay within half of the copies.
      if (batch.type === 'COPY_COUNT' && batch.value > 1 && batch.value * 100 > most * value.copyCount) {
        addProblem(ctx, `at most ${most}% of copyCount (${value.copyCount}), or 1`, ['maximumBatchSize', 'value']);
      }
      const rollback = value.rollbackMaximumBatchSize;
      if (rollback?.type === 'CAPACITY_PERCENT' && rollback.value > 100) {
        addProblem(ctx, 'at most 100%', ['rollbackMaximumBatchSize', 'value']);
      }
    }),
  );
export type InferenceComponentPolicy = z.infer<typeof inferenceComponent>;

/** WaitIntervalInSeconds: 0 to 3,600 s. MaximumExecutionTimeoutInSeconds: 600 to 28,800 s. */
export const longestBatchWait = 3_600;
export const executionTimeoutRange = { least: 600, most: 28_800 } as const;

/** Copies moved per batch for `copies` copies (at least one). */
export function copiesPerBatch(size: CapacitySize, copies: number): number {
  return size.type === 'COPY_COUNT' ? size.value : Math.max(1, Math.ceil((copies * size.value) / 100));
}

/** How many batches a rolling update of `copies` copies takes (at least one). */
export function batchesFor(size: CapacitySize, copies: number): number {
  return Math.max(1, Math.ceil(copies / copiesPerBatch(size, copies)));
}

/** The bake after each batch, in seconds: the policy's bakeMinutes, within SageMaker's range. */
export function batchWaitSeconds(bakeMinutes: number): number {
  return Math.min(longestBatchWait, Math.round(bakeMinutes * 60));
}

/** A rolling update of the policy's copies must fit SageMaker's longest execution time with its bakes. */
export function checkInferenceComponentRollout(
  target: InferenceComponentPolicy,
  rollout: { readonly bakeMinutes: number },
  ctx: z.core.$RefinementCtx,
): void {
  const waits = batchesFor(target.maximumBatchSize, target.copyCount) * batchWaitSeconds(rollout.bakeMinutes);
  if (waits > executionTimeoutRange.most) {
    addProblem(
      ctx,
      `${waits} s of bakes (one per batch) exceed SageMaker's MaximumExecutionTimeoutInSeconds (${executionTimeoutRange.most} s): bake less or take larger batches`,
      ['rollout', 'bakeMinutes'],
    );
  }
}
