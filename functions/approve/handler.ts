import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { approveModelPackage } from './approve.ts';

export const handler = createLambdaHandler(approveModelPackage);
