/* Over ~200 lines: recovery, migration and compaction of one file, each with its failure cases. */
import { Logger } from '@nestjs/common';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock';
import { FaultyFs } from '../testing/faulty-fs';
import type { InjectedFault } from '../testing/faulty-fs';
import { AlertRuleStore } from './alert-rule-store';
import type { NewAlertRule, StoredAlertRule } from './alert-rule';
import { decodeRulesLog, encodeRecord } from './rules-log-format';

const rule = (limit: number, id = 'cpu'): NewAlertRule => ({ id, op: 'MAX', secs: 60, limit });
const stored = (limit: number, at: number, id = 'cpu'): StoredAlertRule => ({
  ...rule(limit, id),
  ...{ registeredAt: at, checkedUpTo: at, firing: false },
});

async function hung(fault: InjectedFault): Promise<void> {
  for (let i = 0; i < 500 && fault.hits === 0; i++) await new Promise((r) => setTimeout(r, 2));
  expect(fault.hits).toBe(1);
}

describe('the rules log', () => {
  let dir: string;
  let fs: FaultyFs;
  let logs: string[];
  let opened: AlertRuleStore[];
  const clock: Clock & { t: number } = { t: 0, now: () => clock.t };
  const logPath = () => join(dir, 'alerts', 'rules.log');
  const text = () => readFile(logPath(), 'utf8');
  /** The records' lines (not the zeros written ahead of them). */
  const lines = async () => (await text()).replace(/\0+$/, '').split('\n').filter(Boolean);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-rules-log-'));
    fs = new FaultyFs();
    logs = [];
    opened = [];
    const keep = (level: string) => (m: string) => logs.push(`${level}: ${m}`);
    Logger.overrideLogger({ log: keep('log'), warn: keep('warn'), error: keep('error') });
  });
  afterEach(async () => {
    fs.clear();
    for (const store of opened) await store.onApplicationShutdown().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function open(faulty = fs, retryMs = 1000): Promise<AlertRuleStore> {
    const options = { dataDir: dir, durability: 'fsync' as const, flushValues: 1e6, retryMs };
    const store = new AlertRuleStore(options, faulty, clock);
    await store.onModuleInit();
    opened.push(store);
    return store;
  }
  const afterRestart = async () => (await open(new FaultyFs())).all();

  describe('format', () => {
    it('tells a torn tail (after the last record) from damage (records follow it)', () => {
      const [a, b] = [encodeRecord({ removed: 'a' }), encodeRecord({ removed: 'b' })];
      const bad = a.replace('"a"', '"x"'); // checksum no longer matches
      const decode = (s: string) => decodeRulesLog(Buffer.from(s));
      expect(decode(a + b.slice(0, 9))).toEqual({
        records: [{ removed: 'a' }],
        validEnd: a.length,
        damaged: [],
      });
      expect(decode(a + bad).validEnd).toBe(a.length);
      expect(decode(a + bad + b)).toMatchObject({
        validEnd: 2 * a.length + b.length,
        damaged: [a.length],
      });
      expect(decode(`${a}{"rule":{}}\n`).validEnd).toBe(a.length); // no checksum
    });
  });

  describe('recovery', () => {
    it.each([
      ['half a record', (r: string) => r.slice(0, r.length / 2)],
      ['a whole line whose checksum fails', (r: string) => r.replace('"limit":7', '"limit":8')],
      ['half a record, then zeros', (r: string) => `${r.slice(0, 20)}${'\0'.repeat(300)}`],
    ])('cuts a torn tail of %s and logs it, never fatal', async (_what, torn) => {
      const first = await open();
      await first.registerAll([rule(5), rule(6)], 1);
      await first.onApplicationShutdown();
      const valid = (await stat(logPath())).size;
      await appendFile(logPath(), torn(encodeRecord({ rule: stored(7, 2) })));
      const store = await open();
      expect(store.all().map((r) => r.limit)).toEqual([5, 6]);
      expect((await stat(logPath())).size).toBe(valid);
      expect(logs).toContainEqual(
        expect.stringMatching(/^warn: cut \d+ torn bytes off .*rules\.log at offset/),
      );
      await store.registerAll([rule(9)], 3);
      expect((await afterRestart()).map((r) => r.limit)).toEqual([5, 6, 9]);
    });

    it('writes zeros ahead of its records (fsync), which a restart cuts without a word', async () => {
      const store = await open();
      await store.registerAll([rule(5), rule(6)], 1);
      const records = (await text()).replace(/\0+$/, '').length;
      expect((await stat(logPath())).size).toBe(1024 * 1024);
      // A crash now (the store never closes): the next start finds the zeros.
      expect((await afterRestart()).map((r) => r.limit)).toEqual([5, 6]);
      expect(logs.filter((m) => !m.startsWith('log'))).toEqual([]);
      expect((await stat(logPath())).size).toBe(records);
      await store.registerAll([rule(7)], 2); // the first store appends where its records end
      await store.onApplicationShutdown(); // and gives the zeros back when it closes
      expect(await lines()).toHaveLength(3);
      expect((await afterRestart()).map((r) => r.limit)).toEqual([5, 6, 7]);
    });

    it('skips damaged records, keeps the log as *.corrupt and rewrites it', async () => {
      await (await open()).registerAll([rule(5), rule(6), rule(7)], 1);
      const original = await text();
      await writeFile(logPath(), original.replace('"limit":6', '"limit":0'));
      expect((await open()).all().map((r) => r.limit)).toEqual([5, 7]);
      expect(logs).toContainEqual(
        expect.stringMatching(/^error: skipped 1 damaged records of .*rules\.log/),
      );
      expect(await readFile(`${logPath()}.corrupt`, 'utf8')).toBe(
        original.replace('"limit":6', '"limit":0'),
      );
      expect(await lines()).toHaveLength(2);
    });

    it('removes what an interrupted compaction left, and keeps the log', async () => {
      await (await open()).registerAll([rule(5)], 1);
      await writeFile(`${logPath()}.tmp`, 'half a snapshot');
      expect((await open()).all().map((r) => r.limit)).toEqual([5]);
      expect(await readdir(join(dir, 'alerts'))).toEqual(['rules.log']);
    });
  });

  describe('migration from rules.json', () => {
    const legacy = (rules: StoredAlertRule[]) => JSON.stringify({ version: 1, rules });

    it('reads the rules file of the previous release, writes the log and removes the file', async () => {
      const rules = [
        { ...stored(5, 1000), checkedUpTo: 2000, firing: true },
        stored(6, 1500, 'mem'),
      ];
      await mkdir(join(dir, 'alerts'));
      await writeFile(join(dir, 'alerts', 'rules.json'), legacy(rules));
      await writeFile(join(dir, 'alerts', 'rules.json.prev'), legacy(rules.slice(0, 1)));
      expect((await open()).all()).toEqual(rules);
      expect(logs).toContainEqual(
        expect.stringMatching(/^log: loaded 2 alert rules from .*rules\.json$/),
      );
      expect(await readdir(join(dir, 'alerts'))).toEqual(['rules.log']);
      expect(await afterRestart()).toEqual(rules);
    });

    it('keeps rules.json and fails to start if the log cannot be written', async () => {
      await mkdir(join(dir, 'alerts'));
      await writeFile(join(dir, 'alerts', 'rules.json'), legacy([stored(5, 1)]));
      fs.inject({ kind: 'write', path: 'rules.log.tmp', errno: 'ENOSPC' });
      await expect(open()).rejects.toThrow(/ENOSPC/);
      const files = await readdir(join(dir, 'alerts'));
      expect([files.includes('rules.json'), files.includes('rules.log')]).toEqual([true, false]);
      expect((await afterRestart()).map((r) => r.limit)).toEqual([5]);
    });

    it('after a migration interrupted before removing rules.json, the log is the newer state', async () => {
      const store = await open();
      await store.registerAll([rule(5), rule(6)], 1);
      await store.remove('cpu MAX 60 6', 2);
      await writeFile(join(dir, 'alerts', 'rules.json'), legacy([stored(5, 1), stored(6, 1)]));
      expect((await afterRestart()).map((r) => r.limit)).toEqual([5]);
      expect(await readdir(join(dir, 'alerts'))).toEqual(['rules.log']);
    });

    it.each([
      ['text that is not JSON', '{"version":1,"rules":[{"id":"cpu"'],
      ['an unknown version', '{"version":9,"rules":[]}'],
      ['a malformed rule', '{"version":1,"rules":[{"id":"cpu","op":"SUM"}]}'],
    ])('keeps a rules.json with %s aside as *.corrupt and starts empty', async (_what, content) => {
      await mkdir(join(dir, 'alerts'));
      await writeFile(join(dir, 'alerts', 'rules.json'), content);
      expect((await open()).all()).toEqual([]);
      expect(await readFile(join(dir, 'alerts', 'rules.json.corrupt'), 'utf8')).toBe(content);
      expect(logs.filter((m) => m.startsWith('error'))).toEqual([
        expect.stringMatching(/^error: dropped unreadable alert rules .*corrupt$/),
      ]);
    });
  });

  describe('compaction', () => {
    /** Moves every rule's checkpoint, one check after another, until the log is compacted. */
    async function checkUntilCompacted(store: AlertRuleStore): Promise<number> {
      for (let check = 1; check <= 100; check++) {
        const upTo = 1000 + check;
        const checkpoints = store
          .all()
          .map((r) => ({ rule: r, checkedUpTo: upTo, firing: check % 2 === 0 }));
        await store.commitCheck({ journal: [], checkpoints });
        if (logs.some((m) => m.includes('compacted'))) return check;
      }
      throw new Error('never compacted');
    }

    it('rewrites the log as a snapshot once it has grown past the rules, keeping every rule', async () => {
      const store = await open();
      const ids = Array.from({ length: 2000 }, (_, i) => `metric.${i}`);
      await store.registerAll(
        ids.map((id) => rule(5, id)),
        1000,
      );
      await store.remove('metric.7 MAX 60 5', 1000);
      const checks = await checkUntilCompacted(store);
      expect(checks).toBeGreaterThan(2);
      expect(await lines()).toHaveLength(1999); // one record a rule
      expect((await stat(logPath())).size).toBeLessThan(1024 * 1024);
      expect(await afterRestart()).toEqual(store.all());
      expect(store.all()[0]).toMatchObject({ checkedUpTo: 1000 + checks });
    });

    it('appends the changes made while it runs to the new log', async () => {
      const store = await open();
      await store.registerAll([rule(5)], 1);
      fs.inject({ kind: 'write', path: 'rules.log' }); // memory gets ahead of the log...
      const [five] = store.all();
      await expect(
        store.commitCheck({
          journal: [],
          checkpoints: [{ rule: five, checkedUpTo: 9, firing: true }],
        }),
      ).rejects.toThrow(/could not record the checkpoints/);
      const hang = fs.inject({ kind: 'fsync', path: 'rules.log.tmp', hang: true });
      const during = store.registerAll([rule(6)], 10); // ...so this commit is a snapshot
      await hung(hang);
      const after = store.registerAll([rule(7)], 11);
      hang.release();
      expect([await during, await after]).toEqual([[undefined], [undefined]]);
      expect(await lines()).toHaveLength(3); // the snapshot's two rules, then the third
      expect(await afterRestart()).toEqual([
        { ...stored(5, 1), checkedUpTo: 9, firing: true },
        stored(6, 10),
        stored(7, 11),
      ]);
    });

    it.each([
      ['its temporary file cannot be written', 'write', 'rules.log.tmp'],
      ['the directory fsync after its rename fails (it is undone)', 'fsync', /alerts$/],
    ] as const)('appends as usual when %s, and tries again later', async (_what, kind, path) => {
      const store = await open();
      await store.registerAll([rule(5)], 1);
      fs.inject({ kind: 'write', path: 'rules.log' });
      const [five] = store.all();
      const checkpoints = [{ rule: five, checkedUpTo: 9, firing: true }];
      await expect(store.commitCheck({ journal: [], checkpoints })).rejects.toThrow(/record/);
      fs.inject({ kind, path, errno: 'ENOSPC' });
      expect(await store.registerAll([rule(6)], 10)).toEqual([undefined]);
      expect(logs).toContainEqual(
        expect.stringMatching(/^error: could not compact .*next try in 1000 ms$/),
      );
      expect((await afterRestart()).map((r) => [r.limit, r.checkedUpTo])).toEqual([
        [5, 1],
        [6, 10],
      ]);
      clock.t += 1000;
      expect(await store.registerAll([rule(7)], 11)).toEqual([undefined]);
      expect((await afterRestart()).map((r) => [r.limit, r.checkedUpTo])).toEqual([
        [5, 9],
        [6, 10],
        [7, 11],
      ]);
      expect(await lines()).toHaveLength(3);
    });
  });
});
