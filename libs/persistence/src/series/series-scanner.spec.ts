import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBlock } from '../block/block-writer';
import { FaultyFs } from '../testing/faulty-fs';
import { CHUNK_VALUES } from './chunk-table';
import { SEGMENT_VALUES } from './chunk-segments';
import { cachedBytes } from './decoded-chunk-cache';
import { Series } from './series';
import { SeriesScanner } from './series-scanner';
import { SeriesStore } from './series-store';
import { SeriesVisitor } from './series-visitor';

/** Records what a scan delivers: raw values, and summaries when it accepts them. */
class Recorder implements SeriesVisitor {
  readonly stamps: number[] = [];
  readonly values: number[] = [];
  summaries: { min: number; max: number; count: number }[] = [];
  constructor(private readonly takeSummaries = false) {}
  acceptsSummary(): boolean {
    return this.takeSummaries;
  }
  addSummary(minStamp: number, maxStamp: number, count: number): void {
    this.summaries.push({ min: minStamp, max: maxStamp, count });
  }
  addValues(stamps: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number) {
    for (let i = start; i < end; i++) {
      this.stamps.push(stamps[i]);
      this.values.push(values[i]);
    }
  }
  get counted(): number {
    return this.values.length + this.summaries.reduce((n, s) => n + s.count, 0);
  }
}

const range = (from: number, end: number) => Array.from({ length: end - from }, (_, i) => from + i);

describe('SeriesScanner', () => {
  let dir: string;
  let fs: FaultyFs;
  let store: SeriesStore;
  let blocks = 0;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-scan-'));
    fs = new FaultyFs();
    store = new SeriesStore();
  });
  afterEach(async () => {
    await store.closeBlocks();
    await rm(dir, { recursive: true, force: true });
  });

  /** Applies values stamped `from`, `from + 1`, ... (value = stamp) to the metric's head. */
  function log(id: string, from: number, count: number): Series {
    const series = store.getOrCreate(id);
    const stamps = Array.from({ length: count }, (_, i) => from + i);
    store.apply(
      stamps.map(() => series),
      stamps,
      stamps,
      count,
    );
    return series;
  }

  /** Freezes the heads and writes and installs them as a block (what a flush does). */
  async function flush(): Promise<void> {
    const written = await writeBlock(dir, ++blocks, store.freeze(), blocks, fs);
    store.installBlock(
      await fs.open(written.path, 'read'),
      written.table,
      written.runs,
      written.layout,
      { seq: blocks, order: blocks, path: written.path, bytes: written.bytes },
    );
  }

  async function scan(series: Series, from: number, to: number, summaries = false) {
    const recorder = new Recorder(summaries);
    await new SeriesScanner(store, from, to, recorder).scan(series);
    return recorder;
  }

  it('delivers blocks, then the frozen head, then the live head, oldest first', async () => {
    log('m', 0, 2000);
    await flush();
    log('m', 2000, 10);
    const frozen = store.freeze(); // a flush under way: its head is still read
    expect(frozen).toHaveLength(1);
    const series = log('m', 2010, 5);
    const all = await scan(series, -Infinity, Infinity);
    expect(all.stamps).toEqual(Array.from({ length: 2015 }, (_, i) => i));
  });

  it('selects stamps in [from, to], bounds included, across chunk and block edges', async () => {
    const series = log('m', 0, 3000);
    await flush();
    log('m', 3000, 3000);
    for (const [from, to] of [
      [1023, 1024],
      [2990, 3010],
      [0, 0],
      [5999, 9999],
      [-5, -1],
    ]) {
      const got = await scan(series, from, to);
      const expected = [];
      for (let t = Math.max(from, 0); t <= Math.min(to, 5999); t++) expected.push(t);
      expect(got.values).toEqual(expected);
    }
  });

  it('takes summaries for chunks, segments of cut chunks and whole block runs inside the range', async () => {
    const series = log('m', 0, CHUNK_VALUES * 4);
    await flush();
    const whole = await scan(series, -Infinity, Infinity, true);
    expect(whole.summaries).toEqual([
      { min: 0, max: CHUNK_VALUES * 4 - 1, count: CHUNK_VALUES * 4 },
    ]);
    expect(whole.values).toEqual([]);
    // Cut inside the second chunk: the part of its first segment in range is read, its other
    // segments and the third chunk are summarised, and the fourth chunk is read up to `to`.
    const [from, to] = [CHUNK_VALUES + 5, CHUNK_VALUES * 3 + 1];
    const cut = await scan(series, from, to, true);
    expect(cut.counted).toBe(to - from + 1);
    expect(cut.values).toEqual([...range(from, CHUNK_VALUES + SEGMENT_VALUES), to - 1, to]);
    const segments = CHUNK_VALUES / SEGMENT_VALUES - 1;
    expect(cut.summaries).toHaveLength(segments + 1);
    expect(cut.summaries[0]).toEqual({
      min: CHUNK_VALUES + SEGMENT_VALUES,
      max: CHUNK_VALUES + 2 * SEGMENT_VALUES - 1,
      count: SEGMENT_VALUES,
    });
    expect(cut.summaries[segments]).toEqual({
      min: CHUNK_VALUES * 2,
      max: CHUNK_VALUES * 3 - 1,
      count: CHUNK_VALUES,
    });
  });

  it('summarises the segments of a cut head chunk, and of its open chunk none', async () => {
    const series = log('m', 0, CHUNK_VALUES + 40);
    const cut = await scan(series, 3, CHUNK_VALUES + 40, true);
    expect(cut.counted).toBe(CHUNK_VALUES + 37);
    // The first segment's part in range and the open chunk's 40 values are read.
    expect(cut.values).toEqual([
      ...range(3, SEGMENT_VALUES),
      ...range(CHUNK_VALUES, CHUNK_VALUES + 40),
    ]);
    expect(cut.summaries).toHaveLength(CHUNK_VALUES / SEGMENT_VALUES - 1);
  });

  it('keeps the chunks it decoded: scanning them again reads nothing', async () => {
    const series = log('m', 0, CHUNK_VALUES * 3);
    await flush();
    const first = await scan(series, 10, CHUNK_VALUES * 3 - 10, true);
    fs.inject({ kind: 'read', path: '.blk', errno: 'EIO' });
    const again = await scan(series, 10, CHUNK_VALUES * 3 - 10, true);
    expect(again).toEqual(first);
    expect(store.decodedChunks.size).toBe(2 * cachedBytes(CHUNK_VALUES)); // the two cut chunks
    // Values one by one (QUERY secs 0) go around the cache, so the read fails.
    const one = new Recorder();
    Object.assign(one, { valuesOnly: true });
    await expect(new SeriesScanner(store, 0, 100, one).scan(series)).rejects.toThrow(/EIO/);
  });

  it('does not see values applied after the scan started', async () => {
    const series = log('m', 0, 500);
    await flush();
    log('m', 500, 10);
    const recorder = new Recorder();
    const scanning = new SeriesScanner(store, -Infinity, Infinity, recorder).scan(series);
    log('m', 510, 10); // while the block is being read
    await scanning;
    expect(recorder.values).toHaveLength(510);
  });

  it('fails the scan when a block read fails (the QUERY gets 500)', async () => {
    const series = log('m', 0, 100);
    await flush();
    fs.inject({ kind: 'read', path: '.blk', errno: 'EIO' });
    await expect(scan(series, -Infinity, Infinity)).rejects.toThrow(/EIO/);
    expect((await scan(series, -Infinity, Infinity)).values).toHaveLength(100);
  });
});
