/* Over ~200 lines: one spec for the store's behaviour, its failure paths one case per failing call. */
import { Logger } from '@nestjs/common';
import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Durability } from '../storage-options';
import { FaultyFs } from '../testing/faulty-fs';
import type { InjectedFault } from '../testing/faulty-fs';
import { AlertRuleStore } from './alert-rule-store';
import type { NewAlertRule } from './alert-rule';
import { encodeRecord } from './rules-log-format';

const rule = (limit: number, id = 'cpu'): NewAlertRule => ({ id, op: 'MAX', secs: 60, limit });
const options = (dataDir: string, durability: Durability) => ({
  dataDir,
  durability,
  flushValues: 1e6,
});

async function hung(fault: InjectedFault): Promise<void> {
  for (let i = 0; i < 500 && fault.hits === 0; i++) await new Promise((r) => setTimeout(r, 2));
  expect(fault.hits).toBe(1);
}

describe('AlertRuleStore', () => {
  let dir: string;
  let fs: FaultyFs;
  let errors: string[];
  let opened: AlertRuleStore[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-rule-store-'));
    fs = new FaultyFs();
    errors = [];
    opened = [];
    Logger.overrideLogger({
      log: () => undefined,
      warn: () => undefined,
      error: (m: string) => errors.push(m),
    });
  });
  afterEach(async () => {
    fs.clear();
    for (const store of opened) await store.onApplicationShutdown().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function open(faulty = fs, durability: Durability = 'fsync'): Promise<AlertRuleStore> {
    const store = new AlertRuleStore(options(dir, durability), faulty);
    await store.onModuleInit();
    opened.push(store);
    return store;
  }
  const afterRestart = async () => (await open(new FaultyFs())).all();
  const limitsAfterRestart = async () => (await afterRestart()).map((r) => r.limit);
  const logPath = () => join(dir, 'alerts', 'rules.log');
  /** The records' lines (not the zeros written ahead of them). */
  const logLines = async () =>
    (await readFile(logPath(), 'utf8')).replace(/\0+$/, '').split('\n').filter(Boolean);
  const journalText = () => readFile(join(dir, 'alerts.jsonl'), 'utf8').catch(() => '');

  it('starts empty without a file, and creates the alerts directory only', async () => {
    expect((await open()).all()).toEqual([]);
    expect(await readdir(dir)).toEqual(['alerts']);
    expect(await readdir(join(dir, 'alerts'))).toEqual([]);
  });

  it.each(['fsync', 'os'] as const)(
    'round trip (%s): rules, checkpoints and removals as they were after a restart',
    async (durability) => {
      const store = await open(fs, durability);
      await store.registerAll([rule(5), rule(6), rule(7, 'mem')], 1000);
      const [five] = store.all();
      await store.commitCheck({
        journal: [],
        checkpoints: [{ rule: five, checkedUpTo: 2000, firing: true }],
      });
      await store.remove('cpu MAX 60 6', 2500);
      expect(await afterRestart()).toEqual([
        { ...rule(5), registeredAt: 1000, checkedUpTo: 2000, firing: true },
        { ...rule(7, 'mem'), registeredAt: 1000, checkedUpTo: 1000, firing: false },
      ]);
      expect(await logLines()).toHaveLength(5); // 3 rules, 1 checkpoint record, 1 removal
    },
  );

  describe('registering', () => {
    it('stores a rule once however often it is registered, and hands out copies', async () => {
      const store = await open();
      expect(await store.registerAll([rule(5), rule(5), rule(6)], 1000)).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(await store.registerAll([rule(5)], 2000)).toEqual([undefined]);
      expect(store.all().map((r) => [r.limit, r.registeredAt])).toEqual([
        [5, 1000],
        [6, 1000],
      ]);
      store.all()[0].checkedUpTo = 99; // a copy: the store is not changed through it
      expect(store.all()[0].checkedUpTo).toBe(1000);
      expect(await logLines()).toHaveLength(2);
      expect(await limitsAfterRestart()).toEqual([5, 6]);
    });

    it('commits the registrations made while an append runs together, in one write', async () => {
      const store = await open();
      await store.registerAll([rule(1)], 1);
      const writes = fs.count('write');
      const hang = fs.inject({ kind: 'write', path: 'rules.log', hang: true });
      const first = store.registerAll([rule(2)], 2);
      await hung(hang);
      const rest = [3, 4, 5].map((limit) => store.registerAll([rule(limit)], 3));
      expect(store.isRegistered(rule(3))).toBe(false); // not durable yet
      hang.release();
      expect(await Promise.all([first, ...rest])).toEqual([0, 1, 2, 3].map(() => [undefined]));
      expect(fs.count('write') - writes).toBe(2);
      expect(await limitsAfterRestart()).toEqual([1, 2, 3, 4, 5]);
    });

    it.each([
      ['open', 'fsync'],
      ['write', 'fsync'],
      ['write', 'os'],
    ] as const)(
      'refuses the rules of a commit whose %s fails (%s), now and after a restart',
      async (kind, durability) => {
        const store = await open(fs, durability);
        await store.registerAll([rule(5)], 1000);
        await store.onApplicationShutdown();
        const again = await open(fs, durability); // the log is opened again on the next append
        fs.inject({ kind, path: 'rules.log', errno: 'ENOSPC' });
        const [failure] = await again.registerAll([rule(6)], 2000);
        expect(failure?.message).toMatch(/ENOSPC/);
        expect(again.isRegistered(rule(6))).toBe(false);
        expect(again.all().map((r) => r.limit)).toEqual([5]);
        expect(await limitsAfterRestart()).toEqual([5]);
        expect(await again.registerAll([rule(6)], 3000)).toEqual([undefined]); // space is back
        expect(await limitsAfterRestart()).toEqual([5, 6]);
      },
    );

    it('makes the name of a new log durable before acknowledging its first record', async () => {
      const store = await open();
      fs.inject({ kind: 'fsync', path: /alerts$/ });
      expect((await store.registerAll([rule(5)], 1))[0]?.message).toMatch(/EIO/);
      expect(await store.registerAll([rule(5)], 2)).toEqual([undefined]);
      expect(await limitsAfterRestart()).toEqual([5]);
    });

    it('a commit cut short by a full disk (0 bytes written) fails as ENOSPC', async () => {
      const store = await open();
      fs.inject({ kind: 'write', path: 'rules.log', short: true });
      expect((await store.registerAll([rule(6)], 1))[0]?.message).toMatch(/^ENOSPC/);
    });

    it('cuts off a failed append before the next one, and refuses it while it cannot', async () => {
      const store = await open();
      await store.registerAll([rule(5)], 1);
      fs.inject({ kind: 'write', path: 'rules.log' });
      fs.inject({ kind: 'ftruncate', path: 'rules.log', times: 2 });
      expect((await store.registerAll([rule(6)], 2))[0]?.message).toMatch(/EIO/);
      // What such a write may leave: its records, whole (an O_DSYNC write whose flush failed).
      const refused = [
        encodeRecord({ rule: { ...rule(6), registeredAt: 2, checkedUpTo: 2, firing: false } }),
      ];
      refused.push(refused[0].replace('"limit":6', '"limit":66666'));
      await appendFile(logPath(), refused.join(''));
      expect((await store.registerAll([rule(7)], 3))[0]?.message).toMatch(/EIO/); // cut first
      expect(await store.registerAll([rule(8)], 4)).toEqual([undefined]);
      expect(await limitsAfterRestart()).toEqual([5, 8]);
    });

    it('keeps what was acknowledged before the disk went away, and nothing refused', async () => {
      const store = await open();
      await store.registerAll([rule(5), rule(6)], 1);
      fs.failAll();
      expect((await store.registerAll([rule(7)], 2))[0]?.message).toMatch(/EIO/);
      await expect(store.remove('cpu MAX 60 5', 3)).rejects.toThrow(/EIO/);
      expect(store.all().map((r) => r.limit)).toEqual([6, 5]); // the removed rule is back
      expect((await limitsAfterRestart()).sort()).toEqual([5, 6]);
    });
  });

  describe('committing a check', () => {
    async function storeWithRule() {
      const store = await open();
      await store.registerAll([rule(5)], 1000);
      const [stored] = store.all();
      const check = {
        journal: [{ state: 'firing', id: 'cpu' }],
        checkpoints: [{ rule: stored, checkedUpTo: 2000, firing: true }],
      };
      return { store, check };
    }

    it('journals, then moves the checkpoints and records them', async () => {
      const { store, check } = await storeWithRule();
      await store.commitCheck(check);
      expect(await journalText()).toBe('{"state":"firing","id":"cpu"}\n');
      expect(store.all()[0]).toMatchObject({ checkedUpTo: 2000, firing: true });
      expect((await afterRestart())[0]).toMatchObject({ checkedUpTo: 2000, firing: true });
    });

    it.each(['open', 'write', 'fsync'] as const)(
      'moves no checkpoint when the journal %s fails, and leaves no partial line',
      async (kind) => {
        const { store, check } = await storeWithRule();
        fs.inject({ kind, path: 'alerts.jsonl' });
        await expect(store.commitCheck(check)).rejects.toThrow(
          /could not journal 1 alert lines.*no checkpoint moved/,
        );
        expect(await journalText()).toBe('');
        expect(store.all()[0]).toMatchObject({ checkedUpTo: 1000, firing: false });
        await store.commitCheck(check); // the next check covers the same interval
        expect(await journalText()).toBe('{"state":"firing","id":"cpu"}\n');
      },
    );

    it('keeps the checkpoints of a failed record in memory and writes them with the next commit', async () => {
      const { store, check } = await storeWithRule();
      fs.inject({ kind: 'write', path: 'rules.log' });
      await expect(store.commitCheck(check)).rejects.toThrow(/could not record the checkpoints/);
      expect(store.all()[0]).toMatchObject({ checkedUpTo: 2000 });
      expect((await afterRestart())[0]).toMatchObject({ checkedUpTo: 1000 });
      await store.flush();
      expect((await afterRestart())[0]).toMatchObject({ checkedUpTo: 2000 });
      expect(await logLines()).toHaveLength(1); // a snapshot
    });

    it('does not move a checkpoint from a state other than the one checked', async () => {
      const { store, check } = await storeWithRule();
      await store.commitCheck(check);
      await store.commitCheck({
        journal: [],
        checkpoints: [{ ...check.checkpoints[0], checkedUpTo: 3000 }],
      });
      expect(store.all()[0]).toMatchObject({ checkedUpTo: 2000 });
      expect((await afterRestart())[0]).toMatchObject({ checkedUpTo: 2000 });
    });
  });

  describe('removing a rule', () => {
    it('records its removal, then journals it as deleted', async () => {
      const store = await open();
      await store.registerAll([rule(5), rule(6)], 1000);
      const removed = await store.remove('cpu MAX 60 5', 3000);
      expect(removed).toMatchObject({ id: 'cpu', limit: 5 });
      expect(store.all().map((r) => r.limit)).toEqual([6]);
      expect(await limitsAfterRestart()).toEqual([6]);
      expect(JSON.parse(await journalText())).toMatchObject({
        state: 'deleted',
        id: 'cpu',
        limit: 5,
        to: new Date(3000).toISOString(),
      });
      expect(await store.remove('cpu MAX 60 5', 4000)).toBeUndefined();
    });

    it('keeps the rule when its removal cannot be recorded', async () => {
      const store = await open();
      await store.registerAll([rule(5)], 1000);
      fs.inject({ kind: 'write', path: 'rules.log', errno: 'EIO' });
      await expect(store.remove('cpu MAX 60 5', 2000)).rejects.toThrow(/EIO/);
      expect(store.all().map((r) => r.limit)).toEqual([5]);
      expect(await limitsAfterRestart()).toEqual([5]);
      expect(await journalText()).toBe('');
    });

    it('puts the rule back if both its removal and its registration again fail', async () => {
      const store = await open();
      await store.registerAll([rule(5)], 1000);
      fs.inject({ kind: 'write', path: 'rules.log', times: 2 });
      const removal = store.remove('cpu MAX 60 5', 2000); // its commit starts at once
      const again = store.registerAll([rule(5)], 2500); // so this is the next commit's
      await expect(removal).rejects.toThrow(/EIO/);
      // Its own record failed, but the rule it names is registered: the original, put back.
      expect(await again).toEqual([undefined]);
      const original = { ...rule(5), registeredAt: 1000, checkedUpTo: 1000, firing: false };
      expect(store.all()).toEqual([original]);
      expect(await afterRestart()).toEqual([original]);
    });
  });
});
