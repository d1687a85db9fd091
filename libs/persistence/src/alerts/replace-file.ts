import { Logger } from '@nestjs/common';
import { describeFsError, errorCode } from '../io/fs-error';
import type { StorageFile, StorageFs } from '../io/storage-fs';

const logger = new Logger('AlertRuleStore');

/** A replacement failed and could not be undone: the new version is the one in place. */
export class SnapshotInPlaceError extends Error {}

/**
 * Replaces `path` (in `dir`) with `bytes`, atomically: temporary file, fsync, rename, fsync of
 * the directory; resolves once the new version is durable. The version being replaced keeps a
 * second name, *.prev (a hard link), until then: if the directory fsync fails after the rename,
 * renaming it back undoes the replacement without writing or syncing a file, which a failing
 * disk may no longer allow. If that fails too, this throws a SnapshotInPlaceError.
 */
export async function replaceFile(
  fs: StorageFs,
  dir: string,
  path: string,
  bytes: Buffer,
): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await fs.open(temporary, 'create');
  try {
    await writeWhole(file, bytes, 0);
    await file.sync();
  } catch (error) {
    await file.close().catch(() => undefined); // the write's error is the one to report
    throw error;
  }
  await file.close();
  const kept = await keepPrevious(fs, path);
  await fs.rename(temporary, path);
  try {
    await fs.syncDirectory(dir);
  } catch (error) {
    if (await undoReplace(fs, path, kept)) throw error;
    throw new SnapshotInPlaceError(describeFsError(error), { cause: error });
  }
  await fs.unlink(`${path}.prev`).catch(() => undefined); // start-up removes it anyway
}

/** Links the current version as *.prev; false if there is none yet. */
async function keepPrevious(fs: StorageFs, path: string): Promise<boolean> {
  await fs.unlink(`${path}.prev`).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT') throw error;
  });
  try {
    await fs.link(path, `${path}.prev`);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Puts the previous version (or no file) back; false if that failed too. */
async function undoReplace(fs: StorageFs, path: string, kept: boolean): Promise<boolean> {
  try {
    if (kept) await fs.rename(`${path}.prev`, path);
    else await fs.unlink(path);
    return true;
  } catch (error) {
    logger.error(
      `could not put back the previous ${path} after a failed replacement: ${describeFsError(error)}`,
    );
    return false;
  }
}

/** Writes all of `bytes` at `position` (also the rules log's appends); a 0-byte write is ENOSPC. */
export async function writeWhole(
  file: StorageFile,
  bytes: Buffer,
  position: number,
): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const written = await file.write(bytes, at, bytes.length - at, position + at);
    if (written === 0) throw diskFull(file);
    at += written;
  }
}

export function writeWholeSync(file: StorageFile, bytes: Buffer, position: number): void {
  for (let at = 0; at < bytes.length;) {
    const written = file.writeSync(bytes, at, bytes.length - at, position + at);
    if (written === 0) throw diskFull(file);
    at += written;
  }
}

/** What a write that wrote nothing (a full disk's short write) is reported as. */
const diskFull = (file: StorageFile): Error =>
  Object.assign(new Error(`ENOSPC: no space left on device, write '${file.path}'`), {
    code: 'ENOSPC',
  });
