import { createLambdaHandler } from '#shared/runtime/lambda-handler.ts';
import { deployApprovedPackage } from './deploy.ts';

export const handler = createLambdaHandler(deployApprovedPackage);
