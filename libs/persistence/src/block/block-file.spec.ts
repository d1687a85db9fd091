import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_VALUES } from '../series/chunk-table';
import { HeadSeries } from '../series/head-series';
import { FaultyFs } from '../testing/faulty-fs';
import type { FlushEntry } from './block-run';
import { CorruptBlockError, openBlock, readChunks } from './block-reader';
import { writeBlock } from './block-writer';
import { WholeBlockReads } from './whole-block-reads';
import { versionOneBlock } from '../testing/version-one-block';

/** A frozen head of `count` values v = base + i stamped 5000 + 2i. */
function head(count: number, base = 0): HeadSeries {
  const h = new HeadSeries();
  for (let i = 0; i < count; i++) h.append(5000 + 2 * i, base + i);
  return h;
}

describe('block files (writer and reader)', () => {
  let dir: string;
  let fs: FaultyFs;
  const entries = (): FlushEntry[] => [
    { id: 'busy', head: head(CHUNK_VALUES * 2 + 10) },
    { id: 'quiet', head: head(3, 100) },
  ];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-block-'));
    fs = new FaultyFs();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes frozen heads and reads back the same index and values', async () => {
    const written = await writeBlock(dir, 7, entries(), 42, fs);
    expect(written.path).toBe(join(dir, '0000000007.blk'));
    expect(written.values).toBe(CHUNK_VALUES * 2 + 13);
    expect(await readdir(dir)).toEqual(['0000000007.blk']);
    const block = await openBlock(written.path, fs);
    try {
      expect(block.footer.walCoveredUpTo).toBe(42);
      expect(block.layout.version).toBe(2);
      expect(block.group).toEqual({ first: 7, size: 1, order: 7, replaced: [] });
      expect(block.runs).toEqual([
        { id: 'busy', first: 0, end: 3, lastStamp: 5000 + 2 * (CHUNK_VALUES * 2 + 9) },
        { id: 'quiet', first: 3, end: 4, lastStamp: 5004 },
      ]);
      expect(Array.from(block.table.count.subarray(0, 4))).toEqual([
        CHUNK_VALUES,
        CHUNK_VALUES,
        10,
        3,
      ]);
      const [last] = await readChunks(block.handle, block.table, 2, 3, block.layout);
      expect(Array.from(last.values)).toEqual(
        Array.from({ length: 10 }, (_, i) => 2 * CHUNK_VALUES + i),
      );
      expect(last.stamps[0]).toBe(5000 + 2 * 2 * CHUNK_VALUES);
      const [quiet] = await readChunks(block.handle, block.table, 3, 4, block.layout);
      expect(Array.from(quiet.values)).toEqual([100, 101, 102]);
      expect(Array.from(quiet.stamps)).toEqual([5000, 5002, 5004]);
      // The same read made on the calling thread from the whole block (the alert check's).
      const whole = new WholeBlockReads();
      const inline = (position: number, length: number) =>
        whole.read(0, block.handle, block.layout, position, length);
      expect(await readChunks(block.handle, block.table, 0, 4, block.layout, inline)).toEqual(
        await readChunks(block.handle, block.table, 0, 4, block.layout),
      );
      expect(whole.heldBytes).toBe(block.layout.dataEnd);
      whole.clear();
    } finally {
      await block.handle.close();
    }
  });

  it.each([
    ['a write fails (EIO)', { kind: 'write' as const }],
    ['the disk is full (a short write)', { kind: 'write' as const, short: true }],
    ['the fsync fails', { kind: 'fsync' as const, path: '.tmp' }],
    ['the rename fails', { kind: 'rename' as const }],
  ])('never puts a block in place when %s', async (_, fault) => {
    fs.inject(fault);
    await expect(writeBlock(dir, 1, entries(), 1, fs)).rejects.toThrow();
    expect(await readdir(dir)).not.toContain('0000000001.blk');
    // The retry writes it whole over the temporary file.
    await writeBlock(dir, 1, entries(), 1, fs);
    expect(await readdir(dir)).toEqual(['0000000001.blk']);
  });

  it('closes the temporary file when its write fails', async () => {
    fs.inject({ kind: 'write', errno: 'ENOSPC' });
    await expect(writeBlock(dir, 1, entries(), 1, fs)).rejects.toThrow(/ENOSPC/);
    expect(fs.count('close')).toBe(fs.count('open'));
  });

  it('calls a damaged block corrupt, and an I/O error not (it must fail start-up, not drop data)', async () => {
    const { path } = await writeBlock(dir, 1, entries(), 1, fs);
    const bytes = await readFile(path);
    const damaged = join(dir, 'damaged.blk');
    const cut = join(dir, 'cut.blk');
    bytes[bytes.length - 40] ^= 0xff; // inside the index
    await writeFile(damaged, bytes);
    await writeFile(cut, bytes.subarray(0, 20));
    await expect(openBlock(damaged, fs)).rejects.toThrow(CorruptBlockError);
    await expect(openBlock(cut, fs)).rejects.toThrow(CorruptBlockError);
    fs.inject({ kind: 'read', path });
    const failure = await openBlock(path, fs).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).not.toBeInstanceOf(CorruptBlockError);
    expect((failure as NodeJS.ErrnoException).code).toBe('EIO');
    expect(fs.count('close')).toBe(fs.count('open')); // every file opened is closed, failures too
  });

  it('detects any flipped bit of a compressed chunk when it is read, never decoding wrong numbers', async () => {
    const { path } = await writeBlock(dir, 1, entries(), 1, fs);
    const bytes = await readFile(path);
    const probe = await openBlock(path, fs);
    const firstChunkBytes = probe.table.location[1]; // chunk 0 spans [0, location of chunk 1)
    await probe.handle.close();
    expect(firstChunkBytes).toBeGreaterThan(0);
    for (let at = 0; at < firstChunkBytes; at++) {
      for (const bit of [0x01, 0x80]) {
        const damaged = Buffer.from(bytes);
        damaged[at] ^= bit;
        await writeFile(path, damaged);
        const block = await openBlock(path, fs);
        try {
          await expect(readChunks(block.handle, block.table, 0, 1, block.layout)).rejects.toThrow(
            CorruptBlockError,
          );
          await expect(
            readChunks(block.handle, block.table, 1, 2, block.layout),
          ).resolves.toHaveLength(1);
        } finally {
          await block.handle.close();
        }
      }
    }
  });

  it('reads a version 1 block (12 bytes per value, no group header) as written before issue 13', async () => {
    const path = join(dir, '0000000003.blk');
    await writeFile(path, versionOneBlock('old.metric', [1000, 1001, 1005], [0.5, -2, 1e300]));
    const block = await openBlock(path, fs);
    try {
      expect(block.layout.version).toBe(1);
      expect(block.group).toBeUndefined();
      expect(block.runs).toEqual([{ id: 'old.metric', first: 0, end: 1, lastStamp: 1005 }]);
      const [chunk] = await readChunks(block.handle, block.table, 0, 1, block.layout);
      expect(Array.from(chunk.stamps)).toEqual([1000, 1001, 1005]);
      expect(Array.from(chunk.values)).toEqual([0.5, -2, 1e300]);
    } finally {
      await block.handle.close();
    }
  });
});
