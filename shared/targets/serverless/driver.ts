import type { TargetDriver } from '../target.ts';
import { act } from './act.ts';
import { serverlessDecisions } from './decisions.ts';
import { observe } from './observe.ts';

export const serverlessDriver: TargetDriver = {
  kind: 'serverless',
  decisions: serverlessDecisions,
  observe,
  act,
};
