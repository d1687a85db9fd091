import { jest } from '@jest/globals';
import type { StorageFile } from '../io/storage-fs';
import type { BlockLayout } from './block-format';
import { WholeBlockReads } from './whole-block-reads';

/** A block file in memory that counts the reads made of it. */
class CountingFile {
  reads = 0;
  constructor(readonly bytes: Buffer) {}

  readSync(buffer: Buffer, offset: number, length: number, position: number): number {
    this.reads++;
    return this.bytes.copy(
      buffer,
      offset,
      position,
      Math.min(position + length, this.bytes.length),
    );
  }

  get handle(): StorageFile {
    return this as unknown as StorageFile;
  }
}

const fileOf = (size: number, seed: number) =>
  new CountingFile(Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + seed) % 251)));
const v2 = (dataEnd: number): BlockLayout => ({ version: 2, dataEnd });

describe('WholeBlockReads', () => {
  afterEach(() => jest.useRealTimers());

  it('reads a block once and serves every later range from memory, byte for byte', () => {
    const file = fileOf(4096, 1);
    const whole = new WholeBlockReads(1 << 20);
    const ranges = [
      [100, 50],
      [0, 10],
      [4000, 96],
      [2048, 1],
    ];
    for (const [position, length] of ranges) {
      expect(whole.read(0, file.handle, v2(4096), position, length)).toEqual(
        file.bytes.subarray(position, position + length),
      );
    }
    expect(file.reads).toBe(1);
    expect(whole.heldBytes).toBe(4096);
    whole.clear();
  });

  it('reads a large block or a version 1 block chunk by chunk, keeping nothing', () => {
    const whole = new WholeBlockReads(4 * 1024);
    const large = fileOf(2048, 2); // more than a quarter of the capacity
    const old = fileOf(512, 3);
    for (let i = 0; i < 3; i++) {
      expect(whole.read(0, large.handle, v2(2048), 10 * i, 10)).toEqual(
        large.bytes.subarray(10 * i, 10 * i + 10),
      );
      expect(whole.read(1, old.handle, { version: 1, dataEnd: 512 }, 10 * i, 10)).toEqual(
        old.bytes.subarray(10 * i, 10 * i + 10),
      );
    }
    expect([large.reads, old.reads, whole.heldBytes]).toEqual([3, 3, 0]);
  });

  it('drops the least recently read blocks past its capacity', () => {
    jest.useFakeTimers();
    const whole = new WholeBlockReads(3000);
    const files = [fileOf(700, 4), fileOf(700, 5), fileOf(700, 6), fileOf(700, 7), fileOf(700, 8)];
    for (let slot = 0; slot < 4; slot++) {
      whole.read(slot, files[slot].handle, v2(700), 0, 1);
      jest.advanceTimersByTime(1);
    }
    whole.read(0, files[0].handle, v2(700), 0, 1); // slot 1 is now the least recent
    jest.advanceTimersByTime(1);
    whole.read(4, files[4].handle, v2(700), 0, 1);
    expect(whole.heldBytes).toBe(2800);
    whole.read(1, files[1].handle, v2(700), 0, 1); // read again: it was dropped
    whole.read(0, files[0].handle, v2(700), 0, 1);
    expect(files.map((f) => f.reads)).toEqual([1, 2, 1, 1, 1]);
    whole.clear();
  });

  it('lets go of blocks not read for the keep time, and forgets closed ones at once', () => {
    jest.useFakeTimers();
    const whole = new WholeBlockReads(1 << 20, 5_000);
    const [a, b] = [fileOf(100, 9), fileOf(200, 10)];
    whole.read(0, a.handle, v2(100), 0, 1);
    whole.read(1, b.handle, v2(200), 0, 1);
    jest.advanceTimersByTime(3_000);
    whole.read(1, b.handle, v2(200), 5, 1); // b is still being read
    jest.advanceTimersByTime(2_000);
    expect(whole.heldBytes).toBe(200); // a let go after 5 s unread
    whole.dropBlocks([1]);
    expect(whole.heldBytes).toBe(0);
    whole.read(1, b.handle, v2(200), 0, 1);
    expect(b.reads).toBe(2);
    jest.advanceTimersByTime(10_000);
    expect(whole.heldBytes).toBe(0);
  });
});
