// What a real-time rollout's decisions ask of the endpoint, performed in order.
import { deregisterScaling, registerScaling } from '#shared/aws/autoscaling.ts';
import { deleteAlarms, putGuardAlarms } from '#shared/aws/cloudwatch.ts';
import { setWeightsAndCapacities, updateEndpoint } from '#shared/aws/sagemaker-endpoints.ts';
import { actCommon } from '../common-actions.ts';
import type { TargetDriver } from '../target.ts';

/** Performs the decision's actions in order: later ones depend on earlier ones (model, config, update). */
export const applyActions: TargetDriver['act'] = async (context, group, rollout, actions) => {
  const { writer } = context;
  const endpointName = rollout.endpointName;
  for (const action of actions) {
    if (await actCommon(context, rollout, action)) continue;
    switch (action.kind) {
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
      default:
        throw new Error(`a real-time endpoint cannot ${action.kind}`);
    }
  }
};
