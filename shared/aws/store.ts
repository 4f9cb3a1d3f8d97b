import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { registered } from './lazy-client.ts';
import { boundedItem } from './stored-strings.ts';

export const dynamodb = registered(
  DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions('dynamodb')), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);

/**
 * Records a fact once. SageMaker and EventBridge can deliver the same change several times;
 * a conditional put lets exactly one of those deliveries act on it (send the notification, say).
 * Returns false when the fact was already recorded.
 */
export async function recordOnce(
  writer: Writer,
  tableName: string,
  key: { pk: string; sk: string },
  attributes: Record<string, unknown>,
): Promise<boolean> {
  const input = {
    TableName: tableName,
    // The key is an identity, never cut; the attributes are bounded like every stored text.
    Item: { ...boundedItem(attributes), ...key },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
  try {
    await writer.write({ service: 'dynamodb', operation: 'PutItem', input }, () =>
      dynamodb.send(new PutCommand(input)),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Whether a fact was recorded (by recordOnce), read strongly consistent. */
export async function isRecorded(tableName: string, key: { pk: string; sk: string }): Promise<boolean> {
  const found = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true, ProjectionExpression: 'pk' }),
  );
  return found.Item !== undefined;
}
