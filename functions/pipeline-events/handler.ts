import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { handlePipelineEvent } from './pipeline-events.ts';

export const handler = createLambdaHandler(handlePipelineEvent);
