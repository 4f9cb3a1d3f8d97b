import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { advanceRollouts } from './advance.ts';

export const handler = createLambdaHandler(advanceRollouts);
