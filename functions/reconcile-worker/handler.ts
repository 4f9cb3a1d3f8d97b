import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { reconcileWork } from './reconcile-worker.ts';

export const handler = createLambdaHandler(reconcileWork);
