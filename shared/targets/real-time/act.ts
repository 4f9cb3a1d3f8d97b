// What a real-time rollout's decisions ask of the endpoint, performed in order.
import { deregisterScaling, registerScaling } from '#shared/aws/autoscaling.ts';
import { deleteAlarms, putGuardAlarms } from '#shared/aws/cloudwatch.ts';
import { setApprovalStatus } from '#shared/aws/sagemaker.ts';
import {
  createEndpoint,
  createEndpointConfig,
  createModelFromPackage,
  deleteEndpointConfig,
  deleteModel,
  setWeightsAndCapacities,
  updateEndpoint,
} from '#shared/aws/sagemaker-endpoints.ts';
import type { TargetDriver } from '../target.ts';

/** Performs the decision's actions in order: later ones depend on earlier ones (model, config, update). */
export const applyActions: TargetDriver['act'] = async (context, group, rollout, actions) => {
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
      case 'updateEndpoint':
        await updateEndpoint(writer, endpointName, action.configName, action.keepWeights);
        break;
      case 'setWeights':
        await setWeightsAndCapacities(writer, endpointName, action.weights, action.capacities);
        break;
      case 'setCapacity':
        await setWeightsAndCapacities(writer, endpointName, [], action.capacities);
        break;
      case 'deregisterScaling':
        await deregisterScaling(writer, endpointName, action.scaling);
        break;
      case 'registerScaling':
        await registerScaling(writer, endpointName, action.scaling);
        break;
      case 'putGuardAlarms':
        await putGuardAlarms(writer, endpointName, action.variantName, group.rollout);
        break;
      case 'deleteAlarms':
        await deleteAlarms(writer, action.alarmNames);
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
        // Notices are sent by the caller once the step is recorded (engine/notices.ts).
        break;
    }
  }
};
