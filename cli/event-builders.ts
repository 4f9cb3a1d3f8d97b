import { readFileSync } from 'node:fs';

/**
 * Events for the demo and the tests, made from the samples in events/ (the exact shapes AWS sends)
 * with only the fields that differ changed. The clock of a story is the events' `time`.
 */
type SampleEvent = Record<string, unknown> & { detail: Record<string, unknown> };

export function sampleEvent(name: string): SampleEvent {
  return structuredClone(JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8')));
}

export function modelPackageEvent(
  status: 'PendingManualApproval' | 'Approved',
  packageArn: string,
  time: string,
): SampleEvent {
  const event = sampleEvent(status === 'Approved' ? 'model-package-approved' : 'model-package-pending-approval');
  const [, groupName = '', version = '0'] = /model-package\/([^/]+)\/(\d+)$/.exec(packageArn) ?? [];
  Object.assign(event, { id: `${status}-${groupName}-${version}-${time}`, time, resources: [packageArn] });
  Object.assign(event.detail, {
    ModelPackageArn: packageArn,
    ModelPackageGroupName: groupName,
    ModelPackageVersion: Number(version),
    ModelApprovalStatus: status,
  });
  return event;
}

export function scheduledTick(time: string): SampleEvent {
  return { ...sampleEvent('scheduled-tick'), id: `tick-${time}`, time };
}

export function alarmStateChange(alarmName: string, state: 'ALARM' | 'OK', time: string): SampleEvent {
  const event = sampleEvent(state === 'ALARM' ? 'alarm-fraud-prod-5xx-alarm' : 'alarm-fraud-prod-5xx-ok');
  Object.assign(event, { id: `alarm-${alarmName}-${state}-${time}`, time });
  Object.assign(event.detail, { alarmName });
  return event;
}

/** SageMaker's word that a deployment it carries out changed state (the handler reads the endpoint itself). */
export function endpointDeploymentChange(endpointName: string, time: string): SampleEvent {
  const event = sampleEvent('endpoint-deployment-completed');
  Object.assign(event, { id: `deployment-${endpointName}-${time}`, time });
  Object.assign(event.detail, { EndpointName: endpointName });
  return event;
}

/** SageMaker's word that an endpoint's status changed, whoever changed it (the handler reads the endpoint itself). */
export function endpointStateChange(endpointName: string, status: string, time: string): SampleEvent {
  const event = sampleEvent('endpoint-state-change-updating');
  Object.assign(event, { id: `endpoint-${endpointName}-${status}-${time}`, time });
  Object.assign(event.detail, { EndpointName: endpointName, EndpointStatus: status });
  return event;
}

/** SageMaker's word that a transform job changed state (the handler reads the job itself). */
export function transformJobChange(
  jobName: string,
  status: 'Completed' | 'Failed' | 'Stopped',
  time: string,
): SampleEvent {
  const event = sampleEvent('transform-job-completed');
  Object.assign(event, { id: `job-${jobName}-${status}-${time}`, time });
  Object.assign(event.detail, { TransformJobName: jobName, TransformJobStatus: status, ModelName: jobName });
  return event;
}

/** A time as EventBridge writes it: whole seconds, UTC (2026-11-25T09:00:00Z). */
export function eventTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The demo's start: 09:00 UTC yesterday. Its few hours of story stay in the past and within the 15 days
 * for which CloudWatch keeps (and GetMetricData rounds to) minutes.
 */
export function recentDemoStart(now = Date.now()): string {
  const day = 86_400_000;
  return eventTime(Math.floor(now / day) * day - day + 9 * 3_600_000);
}

/** The story's clock: `minute` minutes after a fixed start, as EventBridge writes times. */
export function minutesAfterStart(minute: number, start = '2026-11-25T09:00:00Z'): string {
  return eventTime(Date.parse(start) + minute * 60_000);
}
