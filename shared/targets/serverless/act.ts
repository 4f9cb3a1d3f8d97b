// What a serverless rollout's decisions ask of SageMaker, performed in order.
import { setApprovalStatus } from '#shared/aws/sagemaker.ts';
import {
  createEndpoint,
  createEndpointConfig,
  createModelFromPackage,
  deleteEndpointConfig,
  deleteModel,
  deployWithGuardrails,
  updateEndpoint,
} from '#shared/aws/sagemaker-endpoints.ts';
import type { TargetDriver } from '../target.ts';

export const act: TargetDriver['act'] = async (context, _group, rollout, actions) => {
  const { writer } = context;
  const { stackName } = context.settings;
  const endpointName = rollout.endpointName;
  for (const action of actions) {
    switch (action.kind) {
      case 'createModel':
        await createModelFromPackage(writer, action, stackName);
        break;
      case 'createEndpointConfig':
        await createEndpointConfig(writer, action.plan, stackName);
        break;
      case 'createEndpoint':
        await createEndpoint(writer, endpointName, action.configName, stackName);
        break;
      case 'deployWithGuardrails':
        await deployWithGuardrails(writer, endpointName, action.configName, action.deploymentConfig);
        break;
      case 'updateEndpoint':
        await updateEndpoint(writer, endpointName, action.configName);
        break;
      case 'rejectPackage':
        await setApprovalStatus(writer, rollout.packageArn, 'Rejected', action.reason);
        break;
      case 'deleteModels':
        for (const modelName of action.modelNames) await deleteModel(writer, modelName);
        break;
      case 'deleteEndpointConfigs':
        for (const configName of action.configNames) await deleteEndpointConfig(writer, configName);
        break;
      case 'notify':
        // Sent by the core once the step is recorded (engine/notices.ts).
        break;
      default:
        throw new Error(`a serverless endpoint cannot ${action.kind}`);
    }
  }
};
