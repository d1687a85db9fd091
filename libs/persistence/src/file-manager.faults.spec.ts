/**
 * FileManager on failing I/O (FaultyFs): one test per defect of issue 10 that lives in storage,
 * each failing on the code before its fix. Over 200 lines because each case drives the whole
 * store through a failure, a retry and a restart.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FileManager } from './file-manager.service';
import type { StorageFs } from './io/storage-fs';
import { SeriesVisitor } from './series/series-visitor';
import { FaultyFs } from './testing/faulty-fs';

/** The values a scan delivers, raw (no summaries taken). */
class Values implements SeriesVisitor {
  readonly values: number[] = [];
  acceptsSummary(): boolean {
    return false;
  }
  addSummary(): void {
    throw new Error('no summaries were accepted');
  }
  addValues(_s: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number): void {
    for (let i = start; i < end; i++) this.values.push(values[i]);
  }
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Waits for a condition by polling (the flusher works in the background). */
async function until(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('FileManager on failing I/O', () => {
  let dir: string;
  const running: FileManager[] = [];

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-faults-'));
  });
  afterEach(async () => {
    for (const fm of running.splice(0)) await fm.onApplicationShutdown().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  interface StartOptions {
    flushValues?: number;
    retryMs?: number;
    fs?: StorageFs;
    dataDir?: string;
  }

  async function start(options: StartOptions = {}): Promise<FileManager> {
    const fm = new FileManager(
      {
        dataDir: options.dataDir ?? dir,
        durability: 'fsync',
        flushValues: options.flushValues ?? 1_000_000,
        retryMs: options.retryMs ?? 10,
      },
      undefined,
      options.fs,
    );
    await fm.onModuleInit();
    running.push(fm);
    return fm;
  }

  async function stop(fm: FileManager): Promise<void> {
    running.splice(running.indexOf(fm), 1);
    await fm.onApplicationShutdown();
  }

  async function valuesOf(fm: FileManager, id: string): Promise<number[]> {
    const visitor = new Values();
    await fm.scan(id, -Infinity, Infinity, visitor);
    return visitor.values;
  }

  const walSegments = async () => (await readdir(join(dir, 'wal'))).sort();
  const blockFiles = async () => (await readdir(join(dir, 'blocks'))).sort();

  it('installs a block once when trimming the WAL fails and is retried (defect 4)', async () => {
    const fs = new FaultyFs();
    const fm = await start({ flushValues: 10, fs });
    const trim = fs.inject({ kind: 'unlink', path: '/wal/' });
    await fm.append(Array(10).fill('d'), range(1, 10));
    await until(() => trim.hits === 1);
    // The retry trims the WAL: only the segment written since the flush is left.
    await until(async () => (await walSegments()).length === 1);
    expect(await valuesOf(fm, 'd')).toEqual(range(1, 10));
    expect(await blockFiles()).toHaveLength(1);
    await stop(fm);
    expect(await valuesOf(await start(), 'd')).toEqual(range(1, 10));
  });

  it('keeps each value once across a restart when the WAL trim fails until shutdown', async () => {
    const fs = new FaultyFs();
    const fm = await start({ flushValues: 10, fs, retryMs: 3_600_000 });
    const trim = fs.inject({ kind: 'unlink', path: '/wal/', times: Infinity });
    await fm.append(Array(10).fill('k'), range(1, 10)); // block installed, trim fails
    await until(() => trim.hits === 1);
    await fm.append(Array(2).fill('k'), [11, 12]);
    await stop(fm); // no second block: the first one's trim still waits
    expect(await blockFiles()).toHaveLength(1);
    fs.clear();
    const again = await start();
    expect(await valuesOf(again, 'k')).toEqual(range(1, 12)); // covered segments not replayed
  });

  it('never deletes WAL values that no installed block holds, when block writes fail until shutdown (defect 5)', async () => {
    const fs = new FaultyFs();
    // No retry before shutdown: the only retry is the one shutdown asks for.
    const fm = await start({ flushValues: 10, fs, retryMs: 3_600_000 });
    const blocks = fs.inject({ kind: 'open', path: '.blk.tmp', times: Infinity });
    await fm.append(Array(10).fill('e'), range(1, 10)); // frozen, its block write fails
    await until(() => blocks.hits === 1);
    await fm.append(Array(3).fill('e'), range(11, 13)); // a new head
    expect(await valuesOf(fm, 'e')).toEqual(range(1, 13));
    blocks.remove();
    fs.inject({ kind: 'open', path: '.blk.tmp', times: 1 }); // the shutdown's retry fails too
    await stop(fm);
    expect(await valuesOf(await start(), 'e')).toEqual(range(1, 13));
  });

  it.each([
    ['EMFILE', 'open' as const, '/wal/'],
    ['ENOSPC', 'open' as const, '/wal/'],
    ['EIO', 'fsync' as const, /\/wal$/],
  ])(
    'survives a failed WAL rotation (%s on %s) without crashing, serves on and flushes later (defect 6)',
    async (errno, kind, path) => {
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', record);
      try {
        const fs = new FaultyFs();
        const fm = await start({ flushValues: 10, fs });
        const rotation = fs.inject({ kind, path, errno });
        const acknowledged: number[] = [];
        const rejected: number[] = [];
        const settle = async (values: number[]) => {
          try {
            await fm.append(
              values.map(() => 'f'),
              values,
            );
            acknowledged.push(...values);
          } catch {
            rejected.push(...values); // a 500: must never become visible
          }
        };
        await settle(range(1, 10)); // reaches flushValues: the rotation fails
        await until(() => rotation.hits === 1);
        for (let v = 11; v <= 30; v++) {
          await settle([v]);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        await until(async () => (await blockFiles()).length > 0); // retried: flushed
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).toEqual([]);
        expect(acknowledged).toEqual(expect.arrayContaining(range(11, 30)));
        expect(await valuesOf(fm, 'f')).toEqual(acknowledged);
        await stop(fm);
        const values = await valuesOf(await start(), 'f');
        expect(values).toEqual(acknowledged);
        for (const v of rejected) expect(values).not.toContain(v);
      } finally {
        process.off('unhandledRejection', record);
      }
    },
  );

  it('leaves no WAL segment behind after a start and stop with no values', async () => {
    await stop(await start());
    await stop(await start());
    expect(await walSegments()).toEqual([]);
    const fm = await start();
    await fm.append(['g'], [1]);
    await stop(fm);
    await stop(await start());
    expect(await valuesOf(await start(), 'g')).toEqual([1]);
  });

  it('refuses a second server on a locked data directory with one line naming it (defect 7)', async () => {
    const first = await start();
    const second = new FileManager({ dataDir: dir, durability: 'fsync', flushValues: 10 });
    const failure = await second.onModuleInit().then(
      () => undefined,
      (error: Error) => error,
    );
    await second.onApplicationShutdown().catch(() => undefined);
    expect(failure?.message).toBe(
      `data directory ${dir} (PULSE_DATA_DIR) is in use by another Pulse server (lock ${join(dir, 'LOCK')})`,
    );
    await first.append(['h'], [1]); // the first one is unharmed
    await stop(first);
    expect(await valuesOf(await start(), 'h')).toEqual([1]);
  });

  it('releases the data directory lock on shutdown even when every file-system call fails', async () => {
    const fs = new FaultyFs();
    const fm = await start({ fs });
    await fm.append(['i'], [1]);
    fs.failAll();
    await stop(fm).catch(() => undefined);
    fs.clear();
    await start(); // would throw if the lock were still held
  });

  it('fails start-up on an I/O error reading the data, in one line naming the directory', async () => {
    const fm = await start();
    await fm.append(['j'], [1]);
    await stop(fm);
    const fs = new FaultyFs();
    fs.inject({ kind: 'read', path: '/blocks/', errno: 'EIO' }); // the shutdown flushed it
    const failing = new FileManager(
      { dataDir: dir, durability: 'fsync', flushValues: 10 },
      undefined,
      fs,
    );
    await expect(failing.onModuleInit()).rejects.toThrow(
      new RegExp(`^data directory ${dir} \\(PULSE_DATA_DIR\\) could not be recovered: EIO: .*blk`),
    );
    expect(await valuesOf(await start(), 'j')).toEqual([1]); // and the lock was let go
  });

  it('fails to create an unusable data directory with one line naming it and the cause (defect 8)', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    const cases: [string, RegExp][] = [
      ['/proc/nope', /^data directory \/proc\/nope \(PULSE_DATA_DIR\) cannot be created: .*ENOENT/],
      [
        join(file, 'sub'),
        /^data directory .*plain-file\/sub \(PULSE_DATA_DIR\) cannot be created: .*ENOTDIR/,
      ],
      [file, /^data directory .*plain-file \(PULSE_DATA_DIR\) cannot be created: .*ENOTDIR/],
    ];
    for (const [dataDir, message] of cases) {
      const fm = new FileManager({ dataDir, durability: 'fsync', flushValues: 10 });
      const failure = await fm.onModuleInit().then(
        () => undefined,
        (error: Error) => error,
      );
      await fm.onApplicationShutdown().catch(() => undefined);
      expect(failure?.message).toMatch(message);
      expect(failure?.message).not.toContain('\n');
    }
  }, 5000);
});
