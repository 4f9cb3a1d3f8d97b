// What a guardrail deployment's decisions ask of SageMaker, performed in order (serverless and real-time alike).
import { deployWithGuardrails, updateEndpoint } from '#shared/aws/sagemaker-endpoints.ts';
import { actCommon } from '../common-actions.ts';
import type { TargetDriver } from '../target.ts';

export const actForGuardrails: TargetDriver['act'] = async (context, _group, rollout, actions) => {
  for (const action of actions) {
    if (await actCommon(context, rollout, action)) continue;
    switch (action.kind) {
      case 'deployWithGuardrails':
        await deployWithGuardrails(context.writer, rollout.endpointName, action.configName, action.deploymentConfig);
        break;
      case 'updateEndpoint':
        await updateEndpoint(context.writer, rollout.endpointName, action.configName);
        break;
      default:
        throw new Error(`a rollout through SageMaker's guardrails cannot ${action.kind}`);
    }
  }
};
