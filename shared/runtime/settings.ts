/**
 * The environment, read once when the module loads. A missing variable fails the cold start,
 * not the first event, so a broken deployment is visible at once.
 */
function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

export interface Settings {
  readonly rolloutsTableName: string;
  readonly notificationsTopicArn: string;
}

export function readSettings(): Settings {
  return {
    rolloutsTableName: requiredEnv('ROLLOUTS_TABLE_NAME'),
    notificationsTopicArn: requiredEnv('NOTIFICATIONS_TOPIC_ARN'),
  };
}
