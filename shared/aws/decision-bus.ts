import { type DecisionEvent, eventSource } from '#shared/rollout/decision-events.ts';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { onFirstUse, registered } from './lazy-client.ts';

/** EventBridge, loaded at the first decision event: a quiet tick puts none (lazy-client.ts). */
const eventbridge = onFirstUse(async () => {
  const sdk = await import('./sdk/eventbridge.ts');
  return { sdk, client: registered(new sdk.EventBridgeClient(clientOptions('events'))) };
});

// PutEvents takes at most 10 entries a call.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
const entriesPerCall = 10;

/**
 * Puts the decisions on the default bus. PutEvents can accept a call and refuse some of its entries
 * (FailedEntryCount): that is an error here too, so the caller logs and counts it.
 */
export async function putDecisionEvents(writer: Writer, events: readonly DecisionEvent[]): Promise<void> {
  const { sdk, client } = await eventbridge();
  for (let start = 0; start < events.length; start += entriesPerCall) {
    const input = {
      Entries: events.slice(start, start + entriesPerCall).map((event) => ({
        Source: eventSource,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        Time: new Date(event.detail.at),
        EventBusName: 'default',
      })),
    };
    const result = await writer.write({ service: 'events', operation: 'PutEvents', input }, () =>
      client.send(new sdk.PutEventsCommand(input)),
    );
    if ((result?.FailedEntryCount ?? 0) > 0) {
      const failed = result?.Entries?.find((entry) => entry.ErrorCode !== undefined);
      throw new Error(
        `PutEvents refused ${result?.FailedEntryCount} entries: ${failed?.ErrorCode} ${failed?.ErrorMessage}`,
      );
    }
  }
}
