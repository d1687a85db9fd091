import { existsSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * Data directories go to memory where there is room (Linux; a container's /dev/shm is often only
 * 64 MB, and every WAL segment preallocates 8 MB): the property is about what the code does when
 * calls fail, not about the disk, and an fsync there costs nothing (on disk a run spends most of
 * its time waiting for fsync).
 */
export function baseDir(): string {
  if (!existsSync('/dev/shm')) return tmpdir();
  const { bavail, bsize } = statfsSync('/dev/shm');
  return bavail * bsize >= 512 * 1024 * 1024 ? '/dev/shm' : tmpdir();
}
