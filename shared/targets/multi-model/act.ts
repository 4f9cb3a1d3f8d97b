// What a multi-model rollout's decisions ask for: objects under the model prefix, and the parameter clients read.
import { copyArtifact, deleteArtifact } from '#shared/aws/model-artifacts.ts';
import { deleteParameter, publishParameter } from '#shared/aws/parameters.ts';
import { actCommon } from '../common-actions.ts';
import type { TargetDriver } from '../target.ts';

export const act: TargetDriver['act'] = async (context, _group, rollout, actions) => {
  const { writer, settings } = context;
  // Decisions name the parameter by the group; the stack's prefix makes it whole.
  const parameter = (name: string) => `${settings.parameterPrefix}/${name}`;
  for (const action of actions) {
    if (await actCommon(context, rollout, action)) continue;
    switch (action.kind) {
      case 'copyArtifact':
        await copyArtifact(writer, action.from, action.to);
        break;
      case 'deleteArtifacts':
        for (const uri of action.uris) await deleteArtifact(writer, uri);
        break;
      case 'publishParameter':
        await publishParameter(writer, parameter(action.name), action.value, action.description);
        break;
      case 'deleteParameter':
        await deleteParameter(writer, parameter(action.name));
        break;
      default:
        throw new Error(`a multi-model group cannot ${action.kind}`);
    }
  }
};
