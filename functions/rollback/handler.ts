import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { rollBackOnAlarm } from './rollback.ts';

export const handler = createLambdaHandler(rollBackOnAlarm);
