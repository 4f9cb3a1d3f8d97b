import { actForGuardrails } from '../endpoints/guardrail-act.ts';
import { observeForGuardrails } from '../endpoints/guardrail-observe.ts';
import type { TargetDriver } from '../target.ts';
import { serverlessDecisions } from './decisions.ts';

export const serverlessDriver: TargetDriver = {
  kind: 'serverless',
  decisions: serverlessDecisions,
  observe: observeForGuardrails,
  act: actForGuardrails,
};
