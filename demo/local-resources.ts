import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { StackDefinition } from '../cli/stack-definition.ts';

/**
 * Creates the stack's stateful resources that the functions use (table, topic, queues) in the emulator,
 * from their CloudFormation definitions in serverless.yml, so local and deployed never drift.
 */
export async function createLocalResources(stack: StackDefinition): Promise<string[]> {
  const dynamodb = new DynamoDBClient({});
  const sns = new SNSClient({});
  const created: string[] = [];
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::DynamoDB::Table') {
      // Point-in-time recovery, encryption and TTL are deployment settings that a local table does not need.
      const { PointInTimeRecoverySpecification, SSESpecification, TimeToLiveSpecification, ...tableInput } = properties;
      await dynamodb.send(new CreateTableCommand(tableInput as unknown as CreateTableCommandInput));
      created.push(`${logicalId}: table ${String(properties.TableName)}`);
    } else if (resource.Type === 'AWS::SQS::Queue') {
      // How long a message is hidden while a worker has it, and kept at most: as deployed, or a worker that takes
      // longer than SQS's default 30 s would see its message handed to another.
      const Attributes = Object.fromEntries(
        ['VisibilityTimeout', 'MessageRetentionPeriod']
          .filter((name) => properties[name] !== undefined)
          .map((name) => [name, String(properties[name])]),
      );
      await new SQSClient({}).send(new CreateQueueCommand({ QueueName: String(properties.QueueName), Attributes }));
      created.push(`${logicalId}: queue ${String(properties.QueueName)}`);
    } else if (resource.Type === 'AWS::SNS::Topic') {
      const topic = await sns.send(new CreateTopicCommand({ Name: String(properties.TopicName) }));
      created.push(`${logicalId}: topic ${topic.TopicArn ?? ''}`);
    }
  }
  return created;
}
