/**
 * The emulator's DescribeAlarmHistory (emulator/fill_ins/alarm_history.py): state changes recorded as
 * CloudWatch keeps them (API_DescribeAlarmHistory, API_AlarmHistoryItem), and plain moto 5.2.1 still lacks it.
 */
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  type DescribeAlarmHistoryCommandInput,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, useEmulatorPair } from '../support/emulator-pair.ts';

let cloudwatch: CloudWatchClient;
let plainCloudwatch: CloudWatchClient;
const emulators = useEmulatorPair();
beforeAll(() => {
  cloudwatch = new CloudWatchClient(clientConfig(emulators().withFillIns));
  plainCloudwatch = new CloudWatchClient(clientConfig(emulators().plain));
});

const putMetricAlarm = (client: CloudWatchClient, name: string) =>
  client.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );

const setState = (name: string, state: 'OK' | 'ALARM', reason = `test: ${state}`) =>
  cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));

async function history(input: DescribeAlarmHistoryCommandInput = {}) {
  const out = await cloudwatch.send(new DescribeAlarmHistoryCommand(input));
  return (out.AlarmHistoryItems ?? []).map((item) => ({
    name: item.AlarmName,
    type: item.AlarmType,
    summary: item.HistorySummary,
    newState: JSON.parse(item.HistoryData ?? '{}').newState?.stateValue,
  }));
}

describe('DescribeAlarmHistory', () => {
  it('records each change of state, newest first, with the old and new state in its HistoryData', async () => {
    await putMetricAlarm(cloudwatch, 'errors');
    await setState('errors', 'OK');
    await setState('errors', 'ALARM', 'Threshold Crossed: 1 datapoint [7.0] was greater than 1.0');
    await setState('errors', 'ALARM'); // no change of state: no item
    await setState('errors', 'OK');

    const items = await cloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName: 'errors' }));

    expect((items.AlarmHistoryItems ?? []).map((item) => item.HistorySummary)).toEqual([
      'Alarm updated from ALARM to OK',
      'Alarm updated from OK to ALARM',
      'Alarm updated from INSUFFICIENT_DATA to OK',
    ]);
    const fired = items.AlarmHistoryItems?.[1];
    expect(fired).toMatchObject({ AlarmName: 'errors', AlarmType: 'MetricAlarm', HistoryItemType: 'StateUpdate' });
    expect(fired?.Timestamp).toBeInstanceOf(Date);
    expect(JSON.parse(fired?.HistoryData ?? '{}')).toEqual({
      version: '1.0',
      oldState: { stateValue: 'OK', stateReason: 'test: OK' },
      newState: { stateValue: 'ALARM', stateReason: 'Threshold Crossed: 1 datapoint [7.0] was greater than 1.0' },
    });
  });

  it('filters by date, type and alarm; returns metric alarms only unless AlarmTypes says otherwise', async () => {
    await putMetricAlarm(cloudwatch, 'child');
    await cloudwatch.send(new PutCompositeAlarmCommand({ AlarmName: 'parent', AlarmRule: 'ALARM(child)' }));
    await setState('child', 'ALARM');
    const afterFirst = new Date(Date.now() + 1000);

    expect((await history()).map((item) => item.name)).not.toContain('parent');
    expect(await history({ AlarmTypes: ['CompositeAlarm'] })).toEqual([
      {
        name: 'parent',
        type: 'CompositeAlarm',
        summary: 'Alarm updated from INSUFFICIENT_DATA to ALARM',
        newState: 'ALARM',
      },
    ]);
    expect(await history({ AlarmName: 'child', StartDate: afterFirst })).toEqual([]);
    expect(await history({ AlarmName: 'child', HistoryItemType: 'ConfigurationUpdate' })).toEqual([]);
    expect(await history({ AlarmName: 'child', EndDate: afterFirst, ScanBy: 'TimestampAscending' })).toEqual([
      {
        name: 'child',
        type: 'MetricAlarm',
        summary: 'Alarm updated from INSUFFICIENT_DATA to ALARM',
        newState: 'ALARM',
      },
    ]);
  });

  it('keeps the history of a deleted alarm, and pages by MaxRecords', async () => {
    await putMetricAlarm(cloudwatch, 'gone');
    for (const state of ['OK', 'ALARM', 'OK'] as const) await setState('gone', state);
    await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: ['gone'] }));

    const first = await cloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName: 'gone', MaxRecords: 2 }));
    const second = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'gone', MaxRecords: 2, NextToken: first.NextToken }),
    );

    expect(first.AlarmHistoryItems).toHaveLength(2);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.AlarmHistoryItems?.map((item) => item.HistorySummary)).toEqual([
      'Alarm updated from INSUFFICIENT_DATA to OK',
    ]);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses an unknown AlarmTypes, HistoryItemType or ScanBy and a MaxRecords over 100, naming the parameter', async () => {
    const refused = (input: DescribeAlarmHistoryCommandInput, parameter: string) =>
      expect(cloudwatch.send(new DescribeAlarmHistoryCommand(input))).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringContaining(parameter),
      });
    await refused({ MaxRecords: 101 }, 'maxRecords');
    await refused({ ScanBy: 'Sideways' as 'TimestampAscending' }, 'scanBy');
    await refused({ HistoryItemType: 'Everything' as 'Action' }, 'historyItemType');
    await refused({ AlarmTypes: ['AnomalyAlarm' as 'MetricAlarm'] }, 'alarmTypes');
  });
});

describe('moto 5.2.1 capabilities (plain, without fill-ins)', () => {
  it('moto still lacks DescribeAlarmHistory: if this fails, moto fixed it, remove alarm_history.py', async () => {
    await putMetricAlarm(plainCloudwatch, 'errors');

    await expect(plainCloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName: 'errors' }))).rejects.toMatchObject({
      $metadata: expect.objectContaining({ httpStatusCode: expect.any(Number) }),
    });
  });
});
