import { Logger } from '@nestjs/common';
import { RetentionPolicy } from '@app/persistence';
import { FaultyFs } from '@app/persistence/testing/faulty-fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, T0, startMonitor } from './testing/monitor-env';

/** Alert checks see what QUERY sees: nothing out of retention, even values never checked yet. */
describe('AlertMonitor with retention', () => {
  const HOUR = 3_600_000;
  let dir: string;
  let env: Awaited<ReturnType<typeof startMonitor>>;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-alert-retention-'));
    const clock = new ManualClock(T0);
    env = await startMonitor(dir, clock, new FaultyFs(), new RetentionPolicy(HOUR));
  });
  afterEach(async () => {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('does not fire on values that went out of retention before the check reached them', async () => {
    await env.log('t', 1, T0);
    await env.monitor.register([['t', 'MAX', '60', '5']]);
    await env.log('t', 100, T0 + 1000); // over the limit, but never checked in time
    expect((await env.checkAt(T0 + HOUR + 2000))?.fired).toEqual([]);
  });

  it('fires on values still within retention, checked late', async () => {
    await env.log('t', 1, T0);
    await env.monitor.register([['t', 'MAX', '60', '5']]);
    await env.log('t', 100, T0 + 1000);
    expect((await env.checkAt(T0 + HOUR))?.fired).toEqual(['t']);
  });
});
