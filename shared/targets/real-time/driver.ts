import type { TargetDriver } from '../target.ts';
import { applyActions } from './act.ts';
import { realTimeDecisions } from './decisions.ts';
import { observe } from './observe.ts';

export const realTimeDriver: TargetDriver = {
  kind: 'real-time',
  decisions: realTimeDecisions,
  observe,
  act: applyActions,
};
