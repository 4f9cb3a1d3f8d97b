// What an inference component rollout's decisions ask of SageMaker, performed in order.
import { createInferenceComponent, updateInferenceComponent } from '#shared/aws/inference-components.ts';
import { actCommon } from '../common-actions.ts';
import type { TargetDriver } from '../target.ts';

export const act: TargetDriver['act'] = async (context, _group, rollout, actions) => {
  for (const action of actions) {
    if (await actCommon(context, rollout, action)) continue;
    switch (action.kind) {
      case 'createInferenceComponent':
        await createInferenceComponent(context.writer, action, context.settings.stackName);
        break;
      case 'updateInferenceComponent':
        await updateInferenceComponent(
          context.writer,
          action.componentName,
          action.specification,
          action.deploymentConfig,
        );
        break;
      default:
        throw new Error(`an inference component group cannot ${action.kind}`);
    }
  }
};
