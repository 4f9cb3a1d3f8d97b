import type { TargetDriver } from '../target.ts';
import { act } from './act.ts';
import { batchTransformDecisions } from './decisions.ts';
import { observe } from './observe.ts';

export const batchTransformDriver: TargetDriver = {
  kind: 'batch-transform',
  decisions: batchTransformDecisions,
  observe,
  act,
};
