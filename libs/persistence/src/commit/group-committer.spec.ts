import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Clock } from '../clock';
import { SeriesStore } from '../series/series-store';
import { FaultyFs } from '../testing/faulty-fs';
import { replayWal } from '../wal/wal-replay';
import { WriteAheadLog } from '../wal/write-ahead-log';
import { GroupCommitter } from './group-committer';

describe('GroupCommitter', () => {
  let dir: string;
  let fs: FaultyFs;
  let wal: WriteAheadLog;
  let store: SeriesStore;
  let committer: GroupCommitter;
  let betweenCommits = 0;
  const clock: Clock & { t: number } = { t: 10_000, now: () => clock.t };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-commit-'));
    fs = new FaultyFs();
    wal = new WriteAheadLog(dir, true, fs, clock);
    await wal.startSegment(0);
    store = new SeriesStore();
    betweenCommits = 0;
    committer = new GroupCommitter(store, wal, clock, false, () => {
      betweenCommits++;
      return Promise.resolve();
    });
  });
  afterEach(async () => {
    fs.clear();
    await committer.close();
    await wal.close();
    await rm(dir, { recursive: true, force: true });
  });

  const headLength = (id: string) => store.get(id)?.head?.length ?? 0;
  async function walValues(): Promise<number[]> {
    const values: number[] = [];
    await replayWal(dir, 0, (batch) => values.push(...batch.values), fs);
    return values;
  }

  it('writes every value waiting at once as one record, and applies it only once durable', async () => {
    const writes = fs.count('write');
    const first = committer.append(['a'], [1], 1); // starts a commit of [1]
    const second = committer.append(['a', 'b'], [2, 3], 2); // waits: joins the next one
    const third = committer.append(['b'], [4], 1);
    expect(headLength('a')).toBe(0); // nothing visible before it is durable
    expect(committer.oldestWaiting()).toBe(10_000);
    await Promise.all([first, second, third]);
    expect(fs.count('write') - writes).toBe(2); // two records: [1] and [2, 3, 4]
    expect([headLength('a'), headLength('b')]).toEqual([2, 2]);
    expect(committer.oldestWaiting()).toBe(Infinity);
    expect(betweenCommits).toBe(2);
    expect(await walValues()).toEqual([1, 2, 3, 4]);
  });

  it('rejects only the batch whose write failed, and goes on with the next', async () => {
    fs.inject({ kind: 'write', errno: 'ENOSPC' });
    const failed = committer.append(['a'], [1], 1);
    const next = committer.append(['a'], [2], 1);
    await expect(failed).rejects.toThrow(/ENOSPC/);
    await next;
    expect(store.get('a')?.head?.values).toEqual([2]);
    expect(await walValues()).toEqual([2]);
  });

  it('never lets stamps of a metric go backwards when the clock does', async () => {
    await committer.append(['a'], [1], 1);
    clock.t -= 5_000;
    await committer.append(['a', 'b'], [2, 3], 2);
    expect(store.get('a')?.head?.stamps).toEqual([10_000, 10_000]);
    expect(store.get('b')?.head?.stamps).toEqual([5_000]);
    clock.t += 5_000;
  });

  it('finishes accepted batches on close, then refuses appends', async () => {
    const accepted = committer.append(['a'], [1], 1);
    const closing = committer.close();
    await expect(committer.append(['a'], [2], 1)).rejects.toThrow(/closed/);
    await accepted;
    await closing;
    expect(await walValues()).toEqual([1]);
  });
});
