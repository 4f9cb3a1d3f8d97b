export { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
