import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaCredentials } from '#shared/aws/client-options.ts';
import { onEveryClient, onFirstUse, registered } from '#shared/aws/lazy-client.ts';

describe('clients built on first use', () => {
  it('builds once, at the first call, however many callers ask at once', async () => {
    let builds = 0;
    const client = onFirstUse(async () => ({ built: ++builds }));
    expect(builds).toBe(0);
    const [a, b] = await Promise.all([client(), client()]);
    expect(a).toBe(b);
    expect(await client()).toEqual({ built: 1 });
    expect(builds).toBe(1);
  });

  it('tries again after a build that failed, instead of keeping the failure', async () => {
    let attempts = 0;
    const client = onFirstUse(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('module did not load');
      return { attempts };
    });
    await expect(client()).rejects.toThrow('module did not load');
    expect(await client()).toEqual({ attempts: 2 });
  });

  it('shows a hook the clients built before it and the ones built after', () => {
    const before = registered({ middlewareStack: 'before' });
    const seen: unknown[] = [];
    onEveryClient((client) => seen.push(client.middlewareStack));
    const after = registered({ middlewareStack: 'after' });
    expect(seen).toContain(before.middlewareStack);
    expect(seen.at(-1)).toBe(after.middlewareStack);
  });
});

describe('credentials in Lambda', () => {
  const keys = { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' };

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads the environment directly inside Lambda', async () => {
    for (const [name, value] of Object.entries(keys)) vi.stubEnv(name, value);
    const options = lambdaCredentials({ ...keys, AWS_LAMBDA_FUNCTION_NAME: 'sagemaker-rollout-prod-advance' });
    expect(options.credentials).toBeTypeOf('function');
    await expect(options.credentials?.()).resolves.toMatchObject({
      accessKeyId: 'AKIA',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('keeps the default chain outside Lambda, and inside it when the keys are missing', () => {
    expect(lambdaCredentials(keys)).toEqual({});
    expect(lambdaCredentials({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toEqual({});
  });
});
