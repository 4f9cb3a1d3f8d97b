import { actForGuardrails } from '../endpoints/guardrail-act.ts';
import { observeForGuardrails } from '../endpoints/guardrail-observe.ts';
import type { TargetDriver } from '../target.ts';
import { realTimeGuardrailDecisions } from './decisions.ts';

export const realTimeGuardrailsDriver: TargetDriver = {
  kind: 'real-time-guardrails',
  decisions: realTimeGuardrailDecisions,
  observe: observeForGuardrails,
  act: actForGuardrails,
};
