import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Replies } from '@app/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerConfig } from '../config/server-config';
import { ALERT_CHECK_JOB, AlertMonitor } from './alert-monitor.service';
import { ManualClock, T0, readJournal, startMonitor } from './testing/monitor-env';

describe('AlertMonitor', () => {
  let dir: string;
  let warnings: string[];
  let logs: string[];
  let clock: ManualClock;
  let env: Awaited<ReturnType<typeof startMonitor>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-alerts-'));
    warnings = [];
    logs = [];
    Logger.overrideLogger({
      log: (m: string) => logs.push(m),
      error: () => undefined,
      warn: (m: string) => warnings.push(m),
    });
    clock = new ManualClock(T0);
    env = await startMonitor(dir, clock);
  });
  afterEach(async () => {
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  const checkAt = (at: number) => env.checkAt(at);
  const journal = () => readJournal(dir);

  it('registers a rule once, answers 404 for unknown metrics and the usage for bad ones', async () => {
    await env.log('cpu', 1, T0);
    expect(
      await env.monitor.register([
        ['cpu', 'AVG', '60', '5'],
        ['cpu', 'AVG', '60', '5.0'],
        ['ghost', 'AVG', '60', '5'],
        ['cpu', 'AVG', '60'],
      ]),
    ).toEqual([
      Replies.alertRegistered,
      Replies.alertRegistered,
      Replies.metricNotFound,
      Replies.alertUsage,
    ]);
    expect(env.store.all()).toHaveLength(1);
  });

  it('stores the rules of a run with one write, and keeps none of them when it fails', async () => {
    await env.log('a', 1, T0);
    await env.log('b', 1, T0);
    const { store, fs } = env;
    const writes = () => fs.count('write');
    expect(
      await env.monitor.register([
        ['a', 'MAX', '60', '5'],
        ['b', 'MAX', '60', '5'],
        ['zz', 'MAX', '60', '5'],
        ['a', 'MAX', '60', '5'],
      ]),
    ).toEqual([
      Replies.alertRegistered,
      Replies.alertRegistered,
      Replies.metricNotFound,
      Replies.alertRegistered,
    ]);
    expect(writes()).toBe(1);
    expect(store.all()).toHaveLength(2);
    fs.inject({ kind: 'write', path: 'rules.log', errno: 'ENOSPC' });
    expect(
      await env.monitor.register([
        ['a', 'MIN', '60', '5'],
        ['nope', 'MIN', '60', '5'],
        ['b', 'MIN', '60', '5'],
      ]),
    ).toEqual([Replies.internalError, Replies.metricNotFound, Replies.internalError]);
    expect(store.all()).toHaveLength(2); // neither MIN rule became active
  });

  it('logs each check that checked rules: how many, how long, and what fired', async () => {
    await env.log('a', 1, T0);
    await env.log('b', 9, T0);
    await env.monitor.register([
      ['a', 'MAX', '60', '5'],
      ['b', 'MAX', '60', '5'],
    ]);
    await env.log('b', 9, T0 + 1000);
    await checkAt(T0 + 2000);
    expect(logs.filter((m) => m.startsWith('alert check:'))).toEqual([
      expect.stringMatching(/^alert check: 2 rules in \d+ ms \(1 firing, 0 resolved\)$/),
    ]);
    await checkAt(T0 + 2000); // nothing new to check: no line
    expect(logs.filter((m) => m.startsWith('alert check:'))).toHaveLength(1);
  });

  it('fires only when an aggregate is strictly over the limit', async () => {
    await env.log('t', 0, T0);
    await env.monitor.register([['t', 'MAX', '60', '5']]);
    await env.log('t', 5, T0 + 1000);
    expect((await checkAt(T0 + 2000))?.fired).toEqual([]);
    await env.log('t', 5.0001, T0 + 3000);
    expect((await checkAt(T0 + 4000))?.fired).toEqual(['t']);
    expect(warnings[0]).toBe('ALERT t: MAX is over 5.0');
    const [entry] = await journal();
    expect(entry).toMatchObject({
      state: 'firing',
      id: 't',
      op: 'MAX',
      secs: 60,
      limit: 5,
      aggregates: [5.0001],
    });
  });

  it.each([
    ['AVG', '2', [1, 2, 4], true],
    ['AVG', '2.4', [1, 2, 4], false],
    ['MIN', '0.5', [1, 2, 4], true],
    ['MIN', '1', [1, 2, 4], false],
    ['COUNT', '2', [1, 2, 4], true],
    ['COUNT', '3', [1, 2, 4], false],
  ])('evaluates %s over %s', async (op, limit, values, fires) => {
    await env.log('m', 0, T0);
    await env.monitor.register([['m', op, '60', limit]]);
    for (const [i, v] of values.entries()) await env.log('m', v, T0 + 1 + i);
    expect((await checkAt(T0 + 10_000))?.fired).toEqual(fires ? ['m'] : []);
  });

  it('anchors windows at the previous check, not at the first value', async () => {
    await env.log('a', 0, T0);
    await env.monitor.register([['a', 'COUNT', '10', '1']]); // checked up to T0
    await env.log('a', 1, T0 + 5_000); // window [T0, T0+10s)
    await env.log('a', 1, T0 + 12_000); // window [T0+10s, T0+20s)
    expect((await checkAt(T0 + 20_000))?.fired).toEqual([]);
  });

  it('checks every value exactly once across consecutive checks', async () => {
    await env.log('c', 0, T0);
    await env.monitor.register([['c', 'COUNT', '1000000', '0']]);
    const counted: number[] = [];
    let logged = 0;
    for (let round = 1; round <= 5; round++) {
      const checkAtMs = T0 + round * 1000;
      for (let k = 0; k < round; k++) {
        await env.log('c', k, checkAtMs - 500 + k);
        logged++;
      }
      // A value stamped in the very millisecond of the check belongs to the next one.
      await env.log('c', 9, checkAtMs);
      logged++;
      await checkAt(checkAtMs);
    }
    await checkAt(T0 + 10_000);
    for (const entry of await journal()) {
      if (entry.state === 'firing') counted.push(...(entry.aggregates as number[]));
    }
    expect(counted.reduce((a, b) => a + b, 0)).toBe(logged);
  });

  it('reports when a rule stops firing, once', async () => {
    await env.log('r', 0, T0);
    await env.monitor.register([['r', 'MAX', '60', '5']]);
    await env.log('r', 9, T0 + 100);
    expect((await checkAt(T0 + 1000))?.fired).toEqual(['r']);
    await env.log('r', 1, T0 + 1100);
    expect((await checkAt(T0 + 2000))?.resolved).toEqual(['r']);
    expect((await checkAt(T0 + 3000))?.resolved).toEqual([]);
    expect((await journal()).map((e) => e.state)).toEqual(['firing', 'resolved']);
  });

  it('keeps rules and checkpoints across a restart and covers the downtime', async () => {
    await env.log('d', 0, T0);
    await env.monitor.register([['d', 'MAX', '60', '5']]);
    await checkAt(T0 + 1000);
    await env.log('d', 7, T0 + 1500); // logged after the last check, before the restart
    await env.close();
    env = await startMonitor(dir, clock);
    expect(env.store.all()).toHaveLength(1);
    const report = await checkAt(T0 + 120_000);
    expect(report?.fired).toEqual(['d']);
    const [entry] = await journal();
    expect(entry.from).toBe(new Date(T0 + 999).toISOString());
  });

  it('does not start a check while one is running, nor after shutdown began', async () => {
    await env.log('s', 0, T0);
    await env.monitor.register([['s', 'MAX', '60', '5']]);
    clock.t = T0 + 1000;
    const first = env.monitor.check();
    expect(await env.monitor.check()).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/skipped/);
    await first;
    await env.monitor.beforeApplicationShutdown();
    expect(await checkAt(T0 + 5000)).toBeUndefined();
  });

  it('schedules checks every period, except in cluster mode (ClusterAlerts checks there)', () => {
    const schedulerOf = (config: ServerConfig) => {
      const scheduler = new SchedulerRegistry();
      new AlertMonitor(env.metrics, env.store, scheduler, clock, config).onApplicationBootstrap();
      const scheduled = scheduler.doesExist('interval', ALERT_CHECK_JOB);
      if (scheduled) scheduler.deleteInterval(ALERT_CHECK_JOB);
      return scheduled;
    };
    expect(schedulerOf({ alertPeriodSeconds: 60 } as ServerConfig)).toBe(true);
    const cluster = { alertPeriodSeconds: 60, cluster: {} } as ServerConfig;
    expect(schedulerOf(cluster)).toBe(false);
  });
});
