/**
 * Deleting a metric (FileManager.deleteMetric): gone from scans at once and after a restart, a
 * later value starts it anew, and compaction removes its values from the disk: with the marks
 * file removed, a restart finds none of them. Also the listing the dashboard pages through.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { FileManager } from '../file-manager.service';
import { FileManagerFixture } from '../testing/file-manager-fixture';
import { Collector } from '../testing/scan-collectors';

describe('deleting a metric', () => {
  const fixture = new FileManagerFixture('deletion');
  const start = (flushValues?: number) => fixture.start(flushValues ? { flushValues } : {});
  const stop = (fm: FileManager) => fixture.stop(fm);

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => fixture.setUp());
  afterEach(() => fixture.tearDown());

  async function log(fm: FileManager, id: string, values: number[]): Promise<void> {
    for (const value of values) {
      fixture.clock.t += 1000;
      await fm.append([id], [value]);
    }
  }

  async function valuesOf(fm: FileManager, id: string): Promise<number[] | 'not found'> {
    const c = new Collector();
    return (await fm.scan(id, -Infinity, Infinity, c)) ? c.values : 'not found';
  }

  const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

  it('hides the values at once and after a restart; a later value starts the metric anew', async () => {
    let fm = await start();
    await log(fm, 'gone', [1, 2, 3]);
    await log(fm, 'kept', [4]);
    expect(await fm.deleteMetric('gone')).toBe(true);
    expect(fm.hasMetric('gone')).toBe(false);
    expect(await valuesOf(fm, 'gone')).toBe('not found');
    expect(await fm.deleteMetric('gone')).toBe(false); // already gone
    expect(await fm.deleteMetric('never')).toBe(false);

    await stop(fm);
    fm = await start();
    expect(await valuesOf(fm, 'gone')).toBe('not found');
    expect(await valuesOf(fm, 'kept')).toEqual([4]);
    await log(fm, 'gone', [7]);
    expect(await valuesOf(fm, 'gone')).toEqual([7]);
    await stop(fm);
    fm = await start();
    expect(await valuesOf(fm, 'gone')).toEqual([7]);
  });

  it('removes the values from blocks, heads and the WAL at the next compaction', async () => {
    let fm = await start(10); // a block every 10 values: some in blocks, some in heads
    await log(fm, 'gone', range(25));
    await log(fm, 'kept', range(25, 100));
    for (let i = 0; i < 100 && fm.blockFileCount().blocks === 0; i++) await sleep(10);
    expect(fm.blockFileCount().blocks).toBeGreaterThan(0); // flushed in the background
    expect(await fm.deleteMetric('gone')).toBe(true);
    // The heads' flush runs between commits, then compaction rewrites the blocks.
    for (let i = 0; i < 50; i++) {
      await fm.compactNow();
      await sleep(20);
    }
    await stop(fm);
    // Without the marks, only what is still on disk comes back: none of the deleted values.
    await rm(join(fixture.dir, 'deletions.jsonl'));
    fm = await start(10);
    expect(await valuesOf(fm, 'gone')).toBe('not found');
    expect(await valuesOf(fm, 'kept')).toEqual(range(25, 100));
  });

  it('lists metrics in id order, searched case-insensitively and paged, without deleted ones', async () => {
    const fm = await start(8);
    for (const id of ['web.cpu', 'web.mem', 'db.CPU', 'db.disk', 'web.disk'])
      await log(fm, id, [1]);
    await log(fm, 'web.cpu', range(20, 2)); // 21 values: in blocks and in the head
    expect(fm.metricIds('', 10, null)).toEqual({
      ids: ['db.CPU', 'db.disk', 'web.cpu', 'web.disk', 'web.mem'],
      total: 5,
      lastId: null,
    });
    expect(fm.metricIds('cpu', 10, null).ids).toEqual(['db.CPU', 'web.cpu']);
    const first = fm.metricIds('', 2, null);
    expect(first).toEqual({ ids: ['db.CPU', 'db.disk'], total: 5, lastId: 'db.disk' });
    expect(fm.metricIds('', 2, first.lastId).ids).toEqual(['web.cpu', 'web.disk']);
    expect(fm.metricIds('', 2, 'web.cpu')).toEqual({
      ids: ['web.disk', 'web.mem'],
      total: 5,
      lastId: null,
    });

    await fm.deleteMetric('db.disk');
    expect(fm.metricIds('disk', 10, null)).toEqual({ ids: ['web.disk'], total: 1, lastId: null });
  });

  it('summarizes a metric: count, first and last stamps, last value (from blocks and heads)', async () => {
    const fm = await start(8);
    const t0 = fixture.clock.t;
    await log(fm, 'cpu', range(21, 100)); // stamps t0+1000 ... t0+21000
    const expected = {
      id: 'cpu',
      count: 21,
      firstStamp: t0 + 1000,
      lastStamp: t0 + 21_000,
      lastValue: 120,
    };
    expect(await fm.summarize('cpu')).toEqual(expected);
    await stop(fm);
    const again = await start(8); // every value in a block now: the last value is read from one
    expect(await again.summarize('cpu')).toEqual(expected);
    expect(await again.summarize('nothing')).toBeUndefined();
  });
});
