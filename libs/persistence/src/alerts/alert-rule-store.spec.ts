/* Over ~200 lines: one spec per store, and its failure paths are one case per failing call kind. */
import { Logger } from '@nestjs/common';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultyFs } from '../testing/faulty-fs';
import type { InjectedFault } from '../testing/faulty-fs';
import { AlertRuleStore } from './alert-rule-store';
import type { NewAlertRule } from './alert-rule';

const rule = (limit: number, id = 'cpu'): NewAlertRule => ({ id, op: 'MAX', secs: 60, limit });
const options = (dataDir: string) => ({ dataDir, durability: 'os' as const, flushValues: 1e6 });

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
    // A refused rule's store rewrites the file in the background: let it finish first.
    for (const store of opened) await store.flush().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function open(faulty = fs): Promise<AlertRuleStore> {
    const store = new AlertRuleStore(options(dir), faulty);
    await store.onModuleInit();
    opened.push(store);
    return store;
  }
  const limitsAfterRestart = async () => (await open(new FaultyFs())).all().map((r) => r.limit);
  const journalText = () => readFile(join(dir, 'alerts.jsonl'), 'utf8').catch(() => '');

  describe('loading', () => {
    it('starts empty without a file, and creates the alerts directory', async () => {
      expect((await open()).all()).toEqual([]);
      expect(await readdir(dir)).toEqual(['alerts']);
    });

    it('loads the rules and checkpoints a previous store saved', async () => {
      const store = await open();
      await store.registerAll([rule(5)], 1000);
      const [stored] = store.all();
      await store.commitCheck({
        journal: [],
        checkpoints: [{ rule: stored, checkedUpTo: 2000, firing: true }],
      });
      expect((await open()).all()).toEqual([
        { ...rule(5), registeredAt: 1000, checkedUpTo: 2000, firing: true },
      ]);
    });

    it.each([
      ['text that is not JSON', '{"version":1,"rules":[{"id":"cpu"'],
      ['an unknown version', '{"version":9,"rules":[]}'],
      ['a malformed rule', '{"version":1,"rules":[{"id":"cpu","op":"SUM"}]}'],
    ])('keeps a file with %s aside as *.corrupt and starts empty', async (_what, text) => {
      await (await open()).flush();
      await writeFile(join(dir, 'alerts', 'rules.json'), text);
      expect((await open()).all()).toEqual([]);
      expect(await readFile(join(dir, 'alerts', 'rules.json.corrupt'), 'utf8')).toBe(text);
      expect(errors).toEqual([expect.stringMatching(/^dropped unreadable alert rules .*corrupt$/)]);
    });
  });

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
      expect(await limitsAfterRestart()).toEqual([5, 6]);
    });

    it('folds the saves requested while one runs into one', async () => {
      const store = await open();
      const hang = fs.inject({ kind: 'fsync', path: 'rules.json.tmp', hang: true });
      const first = store.registerAll([rule(1)], 1);
      await hung(hang);
      const rest = [2, 3, 4].map((limit) => store.registerAll([rule(limit)], 2));
      hang.release();
      await Promise.all([first, ...rest]);
      expect(fs.count('rename')).toBe(2);
      expect(await limitsAfterRestart()).toEqual([1, 2, 3, 4]);
    });

    it.each(['open', 'write', 'fsync', 'close', 'rename'] as const)(
      'refuses the rules of a save whose %s fails, now and after a restart',
      async (kind) => {
        const store = await open();
        await store.registerAll([rule(5)], 1000);
        fs.inject({ kind, path: 'rules.json.tmp', errno: 'ENOSPC' });
        const [failure] = await store.registerAll([rule(6)], 2000);
        expect(failure?.message).toMatch(/ENOSPC/);
        expect(store.isRegistered(rule(6))).toBe(false);
        expect(store.all().map((r) => r.limit)).toEqual([5]);
        expect(await limitsAfterRestart()).toEqual([5]);
        expect(await store.registerAll([rule(6)], 3000)).toEqual([undefined]); // space is back
      },
    );

    it.each([
      ['a previous version', [5]],
      ['no previous file', []],
    ])(
      'puts back %s when the directory fsync fails after the rename, though every fsync fails from then on',
      async (_case, before) => {
        const store = await open();
        if (before.length > 0) await store.registerAll([rule(5)], 1000);
        // The rename has happened when the directory fsync fails; the rewrite without the refused
        // rule cannot help, since its temporary file's fsync fails too.
        fs.inject({ kind: 'fsync', path: /alerts$/, times: Infinity }); // the directory
        fs.inject({ kind: 'fsync', path: 'rules.json.tmp', nth: 2, times: Infinity });
        const [failure] = await store.registerAll([rule(6)], 2000);
        expect(failure?.message).toMatch(/EIO/);
        await store.flush().catch(() => undefined);
        expect(await limitsAfterRestart()).toEqual(before);
      },
    );

    it('a save cut short by a full disk (0 bytes written) fails as ENOSPC', async () => {
      const store = await open();
      fs.inject({ kind: 'write', path: 'rules.json.tmp', short: true });
      expect((await store.registerAll([rule(6)], 1))[0]?.message).toMatch(/^ENOSPC/);
    });

    it('a rule whose save failed while a checkpoint save ran is absent after a restart', async () => {
      const store = await open();
      await store.registerAll([rule(5)], 1000);
      const hang = fs.inject({ kind: 'fsync', path: 'rules.json.tmp', hang: true });
      const [stored] = store.all();
      const check = store.commitCheck({
        journal: [],
        checkpoints: [{ rule: stored, checkedUpTo: 1500, firing: false }],
      });
      await hung(hang);
      fs.inject({ kind: 'write', path: 'rules.json.tmp' });
      const registered = store.registerAll([rule(7)], 1200);
      hang.release();
      await check;
      expect((await registered)[0]?.message).toMatch(/EIO/);
      expect(await limitsAfterRestart()).toEqual([5]);
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

    it('journals, then moves and saves the checkpoints', async () => {
      const { store, check } = await storeWithRule();
      await store.commitCheck(check);
      expect(await journalText()).toBe('{"state":"firing","id":"cpu"}\n');
      expect(store.all()[0]).toMatchObject({ checkedUpTo: 2000, firing: true });
      expect((await open(new FaultyFs())).all()[0]).toMatchObject({ checkedUpTo: 2000 });
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

    it('starts the next line on a line of its own if a failed append cannot be cut off', async () => {
      const { store, check } = await storeWithRule();
      fs.inject({ kind: 'fsync', path: 'alerts.jsonl' });
      fs.inject({ kind: 'ftruncate', path: 'alerts.jsonl' });
      await expect(store.commitCheck(check)).rejects.toThrow(/EIO/);
      await store.commitCheck(check);
      const lines = (await journalText()).split('\n').filter(Boolean);
      expect(lines.map((line) => JSON.parse(line) as unknown)).toHaveLength(2);
    });

    it('keeps the checkpoints of a failed save in memory and saves them with the next', async () => {
      const { store, check } = await storeWithRule();
      fs.inject({ kind: 'rename', path: 'rules.json.tmp' });
      await expect(store.commitCheck(check)).rejects.toThrow(/could not save the checkpoints/);
      expect(store.all()[0]).toMatchObject({ checkedUpTo: 2000 });
      expect((await open(new FaultyFs())).all()[0]).toMatchObject({ checkedUpTo: 1000 });
      await store.flush();
      expect((await open(new FaultyFs())).all()[0]).toMatchObject({ checkedUpTo: 2000 });
    });

    it('does not move a checkpoint from a state other than the one checked', async () => {
      const { store, check } = await storeWithRule();
      await store.commitCheck(check);
      await store.commitCheck({
        journal: [],
        checkpoints: [{ ...check.checkpoints[0], checkedUpTo: 3000 }],
      });
      expect(store.all()[0]).toMatchObject({ checkedUpTo: 2000 });
    });
  });
  describe('removing a rule', () => {
    it('drops it from the file, then journals it as deleted', async () => {
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

    it('keeps the rule when the file cannot be saved without it', async () => {
      const store = await open();
      await store.registerAll([rule(5)], 1000);
      fs.inject({ kind: 'fsync', path: 'rules.json.tmp', errno: 'EIO' });
      await expect(store.remove('cpu MAX 60 5', 2000)).rejects.toThrow(/EIO/);
      expect(store.all().map((r) => r.limit)).toEqual([5]);
      expect(await limitsAfterRestart()).toEqual([5]);
      expect(await journalText()).toBe('');
    });
  });
});
