import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLock } from './data-dir-lock';

describe('DataDirLock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is exclusive, even within one process, until released', () => {
    const first = DataDirLock.acquire(dir);
    expect(first.path).toBe(join(dir, 'LOCK'));
    expect(() => DataDirLock.acquire(dir)).toThrow(
      `data directory ${dir} (PULSE_DATA_DIR) is in use by another Pulse server (lock ${join(dir, 'LOCK')})`,
    );
    first.release();
    first.release(); // idempotent
    DataDirLock.acquire(dir).release();
  });

  it('says in one line why a lock file cannot be opened', () => {
    const missing = join(dir, 'missing');
    expect(() => DataDirLock.acquire(missing)).toThrow(
      new RegExp(
        `^data directory ${missing} \\(PULSE_DATA_DIR\\): cannot open its lock file .*: no such file or directory \\(ENOENT\\)$`,
      ),
    );
  });
});
