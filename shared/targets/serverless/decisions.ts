// A serverless endpoint holds one production variant, so the new version cannot stand beside the old one:
// it goes out through SageMaker's deployment guardrails (endpoints/guardrail-decisions.ts), its traffic
// shifted by the policy's canary, linear or all-at-once steps.
import { targetOf } from '#shared/policy/policy-schema.ts';
import { guardrailDecisions } from '../endpoints/guardrail-decisions.ts';
import { deploymentConfigFor } from './deployment-config.ts';
import { firstServerlessVariant, planFromServerlessIncumbent, serverlessConfig } from './plan.ts';

export const serverlessDecisions = guardrailDecisions({
  describedAs: "a serverless endpoint (SageMaker's deployment guardrails)",
  whatSageMakerDoes: "shifts the traffic by the policy's steps (canary, linear or all at once)",
  plan(group, incumbent, observed) {
    const target = targetOf(group);
    if (target.kind !== 'serverless') return { refused: 'the group is no longer serverless' };
    return planFromServerlessIncumbent(group, target, incumbent, observed.packageContainers);
  },
  config: serverlessConfig,
  firstDeployment: { challengerVariant: firstServerlessVariant },
  deploymentConfigFor,
});
