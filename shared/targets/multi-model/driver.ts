import type { TargetDriver } from '../target.ts';
import { act } from './act.ts';
import { multiModelDecisions } from './decisions.ts';
import { observe } from './observe.ts';

export const multiModelDriver: TargetDriver = {
  kind: 'multi-model',
  decisions: multiModelDecisions,
  observe,
  act,
};
