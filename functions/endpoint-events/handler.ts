import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { followSageMaker } from './endpoint-events.ts';

export const handler = createLambdaHandler(followSageMaker);
