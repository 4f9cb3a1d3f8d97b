// What a batch rollout's decisions ask for: the job, and the parameter scheduled batch jobs read.
import { publishParameter } from '#shared/aws/parameters.ts';
import { createTransformJob, stopTransformJob } from '#shared/aws/transform-jobs.ts';
import { actCommon } from '../common-actions.ts';
import type { TargetDriver } from '../target.ts';

export const act: TargetDriver['act'] = async (context, _group, rollout, actions) => {
  const { writer, settings } = context;
  for (const action of actions) {
    if (await actCommon(context, rollout, action)) continue;
    switch (action.kind) {
      case 'createTransformJob':
        await createTransformJob(writer, action, settings.stackName);
        break;
      case 'stopTransformJob':
        await stopTransformJob(writer, action.jobName);
        break;
      case 'publishParameter':
        await publishParameter(writer, `${settings.parameterPrefix}/${action.name}`, action.value, action.description);
        break;
      default:
        throw new Error(`a batch group cannot ${action.kind}`);
    }
  }
};
