// A real-time group whose policy asks for SageMaker's own strategies (`sagemaker-canary`, `sagemaker-linear`,
// `sagemaker-rolling`): the new version goes out as one UpdateEndpoint with a DeploymentConfig and the group's
// alarms as auto-rollback, exactly as a serverless endpoint's (endpoints/guardrail-decisions.ts). SageMaker then
// protects the endpoint by itself, even while the stack's functions are down.
import { guardrailDecisions } from '../endpoints/guardrail-decisions.ts';
import { finalConfig } from '../real-time/endpoint-configs.ts';
import { realTimeDeploymentConfigFor } from './deployment-config.ts';
import { planFromRealTimeIncumbent } from './plan.ts';

export const realTimeGuardrailDecisions = guardrailDecisions({
  describedAs: "a real-time endpoint (SageMaker's deployment guardrails)",
  whatSageMakerDoes:
    "shifts the traffic to a new fleet by the policy's steps (canary or linear) or replaces the instances batch by batch (rolling)",
  plan: planFromRealTimeIncumbent,
  // The new version alone, on the incumbent's live instance count: what SageMaker deploys.
  config: finalConfig,
  // A first deployment creates the endpoint with the version's own variant name, which the next ones keep.
  firstDeployment: {},
  deploymentConfigFor: realTimeDeploymentConfigFor,
});
