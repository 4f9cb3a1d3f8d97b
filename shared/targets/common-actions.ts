// The actions every endpoint target performs the same way: models, configs and the endpoint created
// with the stack's tag, clean-up, and the package's rejection.
import type { Writer } from '#shared/aws/aws-writes.ts';
import { setApprovalStatus } from '#shared/aws/sagemaker.ts';
import {
  createEndpoint,
  createEndpointConfig,
  createModelFromPackage,
  deleteEndpointConfig,
  deleteModel,
} from '#shared/aws/sagemaker-endpoints.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import type { RolloutAction } from '#shared/rollout/rollout-step.ts';
import type { Settings } from '#shared/runtime/settings.ts';

/** Performs `action` if it is one of the common kinds; false when the target must. */
export async function actCommon(
  context: { readonly settings: Settings; readonly writer: Writer },
  rollout: Rollout,
  action: RolloutAction,
): Promise<boolean> {
  const { writer } = context;
  const { stackName } = context.settings;
  switch (action.kind) {
    case 'createModel':
      await createModelFromPackage(writer, action, stackName);
      return true;
    case 'createEndpointConfig':
      await createEndpointConfig(writer, action.plan, stackName);
      return true;
    case 'createEndpoint':
      await createEndpoint(writer, rollout.endpointName, action.configName, stackName);
      return true;
    case 'rejectPackage':
      await setApprovalStatus(writer, rollout.packageArn, 'Rejected', action.reason);
      return true;
    case 'deleteModels':
      for (const modelName of action.modelNames) await deleteModel(writer, modelName);
      return true;
    case 'deleteEndpointConfigs':
      for (const configName of action.configNames) await deleteEndpointConfig(writer, configName);
      return true;
    case 'notify':
      // Sent by the core once the step is recorded (engine/notices.ts).
      return true;
    default:
      return false;
  }
}
