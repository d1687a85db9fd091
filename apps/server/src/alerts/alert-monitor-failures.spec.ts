/**
 * The alert monitor when the rule store's file-system calls fail or hang (FaultyFs): a rule
 * answered 500 never becomes active, a rule answered 200 is stored, and every firing check is
 * journaled at least once (issue 10, defects 2 and 3).
 */
import { Logger } from '@nestjs/common';
import { Replies } from '@app/protocol';
import type { InjectedFault } from '@app/persistence/testing/faulty-fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManualClock,
  T0,
  readJournal,
  rulesAfterRestart,
  startMonitor,
} from './testing/monitor-env';

/** Resolves once a hung call is waiting (the fault has taken it). */
async function hung(fault: InjectedFault): Promise<void> {
  for (let i = 0; i < 500 && fault.hits === 0; i++) await new Promise((r) => setTimeout(r, 2));
  expect(fault.hits).toBe(1);
}

describe('AlertMonitor on failing storage', () => {
  let dir: string;
  let errors: string[];
  let clock: ManualClock;
  let env: Awaited<ReturnType<typeof startMonitor>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-alert-faults-'));
    errors = [];
    Logger.overrideLogger({
      log: () => undefined,
      warn: () => undefined,
      error: (m: string) => errors.push(m),
    });
    clock = new ManualClock(T0);
    env = await startMonitor(dir, clock);
    await env.log('cpu', 1, T0);
    expect(await env.monitor.register([['cpu', 'MAX', '60', '5']])).toEqual([
      Replies.alertRegistered,
    ]);
  });
  afterEach(async () => {
    env.fs.clear();
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  const limits = async () => (await rulesAfterRestart(dir)).map((rule) => rule.limit);

  describe('defect 2: a rule answered 500 never survives, a rule answered 200 always does', () => {
    it('NEW-ALERT fails while the commit of a check is being written', async () => {
      await env.log('cpu', 1, T0 + 500);
      const hang = env.fs.inject({ kind: 'write', path: 'rules.log', hang: true });
      clock.t = T0 + 1000;
      const check = env.monitor.check();
      await hung(hang);
      env.fs.inject({ kind: 'write', path: 'rules.log' }); // the next commit's: the NEW-ALERT's
      const reply = env.monitor.register([['cpu', 'MAX', '60', '7']]);
      hang.release();
      await check;
      expect(await reply).toEqual([Replies.internalError]);
      expect(await limits()).toEqual([5]);
    });

    it('a rule answered 500 is not in the log even if a snapshot holding it stayed in place', async () => {
      // A failed checkpoint record puts memory ahead of the log: the next commit is a snapshot.
      await env.log('cpu', 9, T0 + 500);
      env.fs.inject({ kind: 'write', path: 'rules.log' });
      await expect(env.checkAt(T0 + 1000)).rejects.toThrow(/could not record the checkpoints/);
      // Its directory fsync fails after the rename, and so does the undo: the snapshot with the
      // new rule is in place; the commit then falls back to an append, which fails too.
      env.fs.inject({ kind: 'fsync', path: /alerts$/ });
      env.fs.inject({ kind: 'rename', path: 'rules.log.prev' });
      env.fs.inject({ kind: 'write', path: /rules\.log$/ });
      expect(await env.monitor.register([['cpu', 'MAX', '60', '7']])).toEqual([
        Replies.internalError,
      ]);
      await env.store.flush();
      expect(await limits()).toEqual([5]);
    });

    it('the same rule sent again while its commit runs shares its outcome', async () => {
      env.fs.inject({ kind: 'write', path: 'rules.log' });
      const first = env.monitor.register([['cpu', 'MAX', '60', '7']]); // its commit starts now
      const again = env.monitor.register([['cpu', 'MAX', '60', '7']]);
      expect([...(await first), ...(await again)]).toEqual([
        Replies.internalError,
        Replies.internalError,
      ]);
      expect(await limits()).toEqual([5]);
      expect(await env.monitor.register([['cpu', 'MAX', '60', '7']])).toEqual([
        Replies.alertRegistered,
      ]);
      expect(await limits()).toEqual([5, 7]);
    });
  });

  describe('defect 3: a check is journaled before its checkpoints move', () => {
    it('a failed journal write leaves the checkpoint, and the next check journals the firing', async () => {
      await env.log('cpu', 9, T0 + 500);
      env.fs.inject({ kind: 'write', path: 'alerts.jsonl', errno: 'ENOSPC' });
      await expect(env.checkAt(T0 + 1000)).rejects.toThrow(/ENOSPC/);
      expect(env.store.all()[0]).toMatchObject({ checkedUpTo: T0, firing: false });
      expect((await env.checkAt(T0 + 2000))?.fired).toEqual(['cpu']);
      await env.checkAt(T0 + 3000);
      expect(await readJournal(dir)).toEqual([
        expect.objectContaining({
          state: 'firing',
          aggregates: [9],
          from: new Date(T0).toISOString(),
          to: new Date(T0 + 1999).toISOString(),
        }),
        expect.objectContaining({ state: 'resolved' }),
      ]);
    });

    it('a failed journal fsync leaves no line behind, so a line is never half there', async () => {
      await env.log('cpu', 9, T0 + 500);
      env.fs.inject({ kind: 'fsync', path: 'alerts.jsonl' });
      await expect(env.checkAt(T0 + 1000)).rejects.toThrow(/EIO/);
      expect(await readJournal(dir)).toEqual([]);
      await env.checkAt(T0 + 2000);
      expect((await readJournal(dir)).map((e) => e.state)).toEqual(['firing']);
    });

    it('a NEW-ALERT save during the journal write does not store the moved checkpoint', async () => {
      await env.log('cpu', 9, T0 + 500);
      await env.log('mem', 1, T0 + 600);
      const hang = env.fs.inject({ kind: 'fsync', path: 'alerts.jsonl', hang: true });
      const check = env.checkAt(T0 + 1000);
      await hung(hang);
      expect(await env.monitor.register([['mem', 'MAX', '60', '5']])).toEqual([
        Replies.alertRegistered,
      ]);
      // A crash now: the journal line is not durable, so the checkpoint must not be either.
      const cpu = (await rulesAfterRestart(dir)).find((rule) => rule.id === 'cpu');
      expect(cpu).toMatchObject({ checkedUpTo: T0, firing: false });
      hang.release();
      expect((await check)?.fired).toEqual(['cpu']);
    });

    it('a rule whose values cannot be read is logged and left for the next check', async () => {
      await env.log('mem', 1, T0 + 100);
      await env.monitor.register([['mem', 'MAX', '60', '5']]);
      await env.log('cpu', 9, T0 + 500);
      await env.log('mem', 9, T0 + 600);
      const aggregate = env.metrics.aggregate.bind(env.metrics);
      env.metrics.aggregate = (id, ...rest) =>
        id === 'cpu'
          ? Promise.reject(new Error('chunk checksum mismatch'))
          : aggregate(id, ...rest);
      expect((await env.checkAt(T0 + 1000))?.fired).toEqual(['mem']);
      expect(errors).toEqual([
        expect.stringMatching(/^alert rule cpu MAX 60 5 not checked: chunk/),
      ]);
      env.metrics.aggregate = aggregate;
      expect((await env.checkAt(T0 + 2000))?.fired).toEqual(['cpu']);
    });

    it('a failed checkpoint record is logged, and the checkpoints are saved at shutdown', async () => {
      await env.log('cpu', 9, T0 + 500);
      env.fs.inject({ kind: 'write', path: 'rules.log' });
      await expect(env.checkAt(T0 + 1000)).rejects.toThrow(/could not record the checkpoints/);
      expect((await readJournal(dir)).map((e) => e.state)).toEqual(['firing']);
      expect((await rulesAfterRestart(dir))[0].checkedUpTo).toBe(T0);
      await env.monitor.beforeApplicationShutdown();
      expect((await rulesAfterRestart(dir))[0].checkedUpTo).toBe(T0 + 999);
    });
  });
});
