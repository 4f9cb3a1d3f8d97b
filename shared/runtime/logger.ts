import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for the whole process; handlers append the group, endpoint and version as soon as they know them. */
export const logger = new Logger({ serviceName: 'sagemaker-rollout' });
