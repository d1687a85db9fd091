import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { tryLock } from 'fs-native-extensions';
import { describeFsError } from '../io/fs-error';
import { DATA_DIR_SETTING } from '../storage-options';

export const LOCK_FILE = 'LOCK';

/**
 * An exclusive lock on the data directory, held for the process's life, so that two servers
 * never write one WAL and one set of blocks (both would answer 201 and one's values would be
 * lost). Like LevelDB's and Prometheus's LOCK file, it is a kernel lock on an open file, not a
 * pid written into it: the kernel drops it when the process dies, even by SIGKILL, so a stale
 * lock never blocks a restart (a pid check cannot tell: in a container the holder is often pid 1).
 *
 * Opened with node:fs directly, not through the StorageFs seam: releasing it must work even when
 * a test makes every seam call fail.
 */
export class DataDirLock {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
  ) {}

  /** Takes the lock or throws an Error whose message is one line naming the directory. */
  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, LOCK_FILE);
    const where = `data directory ${dataDir} (${DATA_DIR_SETTING})`;
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    } catch (error) {
      throw new Error(`${where}: cannot open its lock file ${path}: ${describeFsError(error)}`, {
        cause: error,
      });
    }
    let locked: boolean;
    try {
      locked = tryLock(fd);
    } catch (error) {
      closeSync(fd);
      throw new Error(`${where}: cannot lock ${path}: ${describeFsError(error)}`, { cause: error });
    }
    if (!locked) {
      closeSync(fd);
      throw new Error(`${where} is in use by another Pulse server (lock ${path})`);
    }
    return new DataDirLock(path, fd);
  }

  /** Drops the lock (closing the file ends it); idempotent, never throws. */
  release(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // EBADF cannot happen for an fd only this object closes; nothing else is left to undo.
    }
  }
}
