import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { followEndpointDeployment } from './endpoint-events.ts';

export const handler = createLambdaHandler(followEndpointDeployment);
