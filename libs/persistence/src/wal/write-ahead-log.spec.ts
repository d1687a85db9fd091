import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FaultyFs } from '../testing/faulty-fs';
import { encodeWalRecord } from './wal-format';
import { replayWal } from './wal-replay';
import { WriteAheadLog } from './write-ahead-log';

/** A record of one metric's values, stamped 1000, 1001, ... */
const record = (id: string, values: number[]) =>
  encodeWalRecord({
    count: values.length,
    ids: [id],
    idIndex: new Uint32Array(values.length),
    stamps: Float64Array.from(values, (_, i) => 1000 + i),
    values: Float64Array.from(values),
  });

describe('WriteAheadLog', () => {
  let dir: string;
  let fs: FaultyFs;
  let wal: WriteAheadLog;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-wal-'));
    fs = new FaultyFs();
    wal = new WriteAheadLog(dir, true, fs);
    await wal.startSegment(0);
  });
  afterEach(async () => {
    fs.clear();
    await wal.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every value replay finds, in order, and the replay report. */
  async function replayed(coveredUpTo = 0) {
    const values: number[] = [];
    const report = await replayWal(dir, coveredUpTo, (batch) => values.push(...batch.values), fs);
    return { values, report };
  }

  const segments = async () => (await readdir(dir)).sort();

  it('replays appended records in order, inline or through the thread pool', async () => {
    await wal.append(record('a', [1, 2]), true);
    await wal.append(record('b', [3]), false);
    await wal.close();
    const { values, report } = await replayed();
    expect(values).toEqual([1, 2, 3]);
    expect(report).toMatchObject({ segments: 1, records: 2, values: 3, cut: [], lastSeq: 1 });
  });

  it('preallocates segments through zeroFill and gives the zeros back when it lets one go', async () => {
    await wal.append(record('a', [1]), true);
    expect(fs.count('zero-fill')).toBeGreaterThan(0);
    expect((await stat(join(dir, '0000000001.wal'))).size).toBeGreaterThan(1024 * 1024);
    const previous = await wal.startSegment();
    expect(previous).toBe(1);
    expect((await stat(join(dir, '0000000001.wal'))).size).toBe(record('a', [1]).length);
  });

  it('cuts a failed write off again, so later records are not hidden behind a partial one', async () => {
    await wal.append(record('a', [1]), true);
    fs.inject({ kind: 'write', errno: 'EIO' });
    await expect(wal.append(record('a', [2]), false)).rejects.toThrow(/EIO/);
    fs.inject({ kind: 'write', short: true });
    await expect(wal.append(record('a', [3]), false)).rejects.toThrow(/short write/);
    await wal.append(record('a', [4]), true);
    await wal.close();
    expect((await replayed()).values).toEqual([1, 4]);
  });

  it('keeps the current segment when a new one cannot be opened (EMFILE)', async () => {
    await wal.append(record('a', [1]), true);
    fs.inject({ kind: 'open', errno: 'EMFILE' });
    await expect(wal.startSegment()).rejects.toThrow(/EMFILE/);
    await wal.append(record('a', [2]), true); // still writable: the same segment
    expect(wal.seq).toBe(1);
    expect(await wal.startSegment()).toBe(1); // the retry works
    await wal.append(record('a', [3]), true);
    await wal.close();
    expect((await replayed()).values).toEqual([1, 2, 3]);
    expect(await segments()).toEqual(['0000000001.wal', '0000000002.wal']);
  });

  it('goes on without preallocation when zero-filling fails (disk full)', async () => {
    const before = fs.count('zero-fill');
    fs.inject({ kind: 'zero-fill', errno: 'ENOSPC', times: Infinity });
    await wal.startSegment();
    expect(fs.count('zero-fill')).toBe(before + 1);
    await wal.append(record('a', [1]), true);
    await wal.close();
    expect((await replayed()).values).toEqual([1]);
  });

  it('removes an empty segment on close and cuts a written one to its records', async () => {
    await wal.close();
    expect(await segments()).toEqual([]);
    wal = new WriteAheadLog(dir, false, fs);
    await wal.startSegment(4);
    await wal.append(record('a', [1]), true);
    await wal.close();
    expect(await segments()).toEqual(['0000000005.wal']);
    expect((await stat(join(dir, '0000000005.wal'))).size).toBe(record('a', [1]).length);
  });

  it('removes the segments up to a number, and fails (keeping the rest) if one cannot be', async () => {
    await wal.append(record('a', [1]), true);
    await wal.startSegment();
    await wal.append(record('a', [2]), true);
    await wal.startSegment();
    fs.inject({ kind: 'unlink', path: '0000000002' });
    await expect(wal.removeUpTo(2)).rejects.toThrow(/EIO/);
    expect(await segments()).toEqual(['0000000002.wal', '0000000003.wal']);
    expect(await wal.removeUpTo(2)).toBe(1);
    expect(await segments()).toEqual(['0000000003.wal']);
  });

  it('replays after a torn tail by cutting it, and removes segments a block covers', async () => {
    await wal.append(record('a', [1]), true);
    await wal.startSegment();
    await wal.append(record('a', [2]), true);
    await wal.append(record('a', [3]), true);
    await wal.close();
    const path = join(dir, '0000000002.wal');
    const whole = await readFile(path);
    const torn = whole.subarray(0, whole.length - 5);
    await writeFile(path, torn);
    const { values, report } = await replayed(1);
    expect(values).toEqual([2]);
    // The torn bytes are counted up to the last non-zero one (zeros are preallocated space).
    expect(report.cut).toEqual([
      { path, offset: record('a', [2]).length, bytes: expect.any(Number) as number },
    ]);
    expect(report.cut[0].bytes).toBeGreaterThan(0);
    expect(await segments()).toEqual(['0000000002.wal']);
    expect((await stat(path)).size).toBe(record('a', [2]).length);
  });

  it('refuses appends once closed', async () => {
    await wal.close();
    await expect(wal.append(record('a', [1]), true)).rejects.toThrow(/closed/);
  });
});
