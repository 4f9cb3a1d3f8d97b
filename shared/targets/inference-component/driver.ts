import type { TargetDriver } from '../target.ts';
import { act } from './act.ts';
import { inferenceComponentDecisions } from './decisions.ts';
import { observe } from './observe.ts';

export const inferenceComponentDriver: TargetDriver = {
  kind: 'inference-component',
  decisions: inferenceComponentDecisions,
  observe,
  act,
};
