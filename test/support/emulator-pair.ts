import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../emulator/launch.ts';

/** The account and region moto answers with, and names the emulator tests create things with. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/m:1`;
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/SageMakerExecution`;
export const endpointArn = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${name}`;
export const configArn = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint-config/${name}`;

export interface EmulatorPair {
  /** With the fill-ins; nothing settles by itself (updateSeconds is an hour): tests call settle(). */
  readonly withFillIns: EmulatorHandle;
  /** Plain moto, for the capability tests that notice when moto gains what a fill-in provides. */
  readonly plain: EmulatorHandle;
}

/** AWS SDK client options for an emulator: dummy credentials, one attempt, so an error reaches the test. */
export function clientConfig(emulator: EmulatorHandle) {
  return {
    endpoint: emulator.endpointUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
}

/**
 * An emulator with fill-ins and a plain one for the calling test file: started before its tests, reset
 * (and the update clock set back to an hour) before each, stopped after. The getter is valid in tests
 * and in hooks registered after this call.
 */
export function useEmulatorPair(): () => EmulatorPair {
  let pair: EmulatorPair | undefined;
  beforeAll(async () => {
    const [withFillIns, plain] = await Promise.all([
      startEmulator({ updateSeconds: 3600 }),
      startEmulator({ plain: true }),
    ]);
    pair = { withFillIns, plain };
  });
  afterAll(async () => {
    await Promise.all([pair?.withFillIns.stop(), pair?.plain.stop()]);
  });
  beforeEach(async () => {
    if (pair === undefined) return;
    await Promise.all([pair.withFillIns.reset(), pair.plain.reset()]);
    await pair.withFillIns.configure({ updateSeconds: 3600 });
  });
  return () => {
    if (pair === undefined) throw new Error('the emulators have not started');
    return pair;
  };
}
