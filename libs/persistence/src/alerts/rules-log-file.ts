import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { describeFsError, errorCode } from '../io/fs-error';
import type { StorageFile, StorageFs } from '../io/storage-fs';

/** A replacement failed and could not be undone: the new version is the one in place. */
export class SnapshotInPlaceError extends Error {}

/**
 * The file alerts/rules.log: records appended at its end, one write per group commit, and the
 * whole file replaced by a snapshot (compaction, migration).
 *
 * Appends: with `dsync` (PULSE_DURABILITY=fsync) the file is open with O_DSYNC, so the write
 * returns once the records are on stable storage; else once the OS has them. A failed append is
 * cut off again, so no partial or refused record stays in front of later ones; if that cut fails,
 * the next append makes it first (and fails if it cannot), as the WAL does.
 *
 * Replacement: temporary file, fsync, rename, fsync of the directory. The version being replaced
 * keeps a second name, rules.log.prev (a hard link), until the new one is durable: if the
 * directory fsync fails after the rename, renaming it back undoes the replacement without
 * writing or syncing a file, which a failing disk may no longer allow.
 */
export class RulesLogFile {
  private readonly logger = new Logger('AlertRuleStore');
  readonly path: string;
  private file: StorageFile | undefined;
  /** The bytes of valid records: where the next append goes. */
  private end = 0;
  /** Whether the file's directory entry is durable (else the first open makes it so). */
  private exists = false;
  private needsCut = false;
  private closed = false;

  constructor(
    private readonly fs: StorageFs,
    private readonly dir: string,
    private readonly dsync: boolean,
  ) {
    this.path = join(dir, 'rules.log');
  }

  get size(): number {
    return this.end;
  }

  /** Recovery found `size` bytes of valid records (a missing file: 0, `exists` false). */
  recovered(size: number, exists: boolean): void {
    this.end = size;
    this.exists = exists;
  }

  /**
   * Writes the records at the end; resolves once they are durable per the durability mode.
   * `inline` writes on the event-loop thread (see RulesCommitter): it blocks the loop for the
   * write (with O_DSYNC, for the disk) but saves the two thread-pool hand-offs.
   */
  async append(bytes: Buffer, inline = false): Promise<void> {
    const file = await this.opened();
    if (this.needsCut) await this.cut(file);
    try {
      if (inline) writeWholeSync(file, bytes, this.end);
      else await writeWhole(file, bytes, this.end);
    } catch (error) {
      this.needsCut = true;
      await this.cut(file).catch(() => undefined);
      throw error;
    }
    this.end += bytes.length;
  }

  /** Replaces the whole file with `bytes`; resolves once the new version is durable. */
  async replace(bytes: Buffer): Promise<void> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    const temporary = `${this.path}.tmp`;
    const file = await this.fs.open(temporary, 'create');
    try {
      await writeWhole(file, bytes, 0);
      await file.sync();
    } catch (error) {
      await file.close().catch(() => undefined); // the write's error is the one to report
      throw error;
    }
    await file.close();
    const kept = await this.keepPrevious();
    await this.fs.rename(temporary, this.path);
    try {
      await this.fs.syncDirectory(this.dir);
    } catch (error) {
      if (await this.undoReplace(kept)) throw error;
      this.switchTo(bytes.length);
      throw new SnapshotInPlaceError(describeFsError(error), { cause: error });
    }
    this.switchTo(bytes.length);
    await this.fs.unlink(this.previousPath).catch(() => undefined); // start-up removes it anyway
  }

  /** No more appends; closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.file?.close().catch((error: unknown) => this.warnClose(error));
    this.file = undefined;
  }

  private async opened(): Promise<StorageFile> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    if (this.file) return this.file;
    const file = await this.fs.open(this.path, this.dsync ? 'update-dsync' : 'update');
    if (!this.exists && this.dsync) {
      // A new file: its name must be durable before any record in it is acknowledged.
      try {
        await this.fs.syncDirectory(this.dir);
      } catch (error) {
        await file.close().catch(() => undefined);
        throw error;
      }
    }
    this.exists = true;
    this.file = file;
    return file;
  }

  private async cut(file: StorageFile): Promise<void> {
    await file.truncate(this.end);
    this.needsCut = false;
  }

  /** Appends go to the file now named rules.log, holding `size` bytes. */
  private switchTo(size: number): void {
    const old = this.file;
    this.file = undefined;
    this.end = size;
    this.exists = true;
    this.needsCut = false;
    void old?.close().catch((error: unknown) => this.warnClose(error));
  }

  private get previousPath(): string {
    return `${this.path}.prev`;
  }

  /** Links the current version as rules.log.prev; false if there is none yet. */
  private async keepPrevious(): Promise<boolean> {
    await this.fs.unlink(this.previousPath).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
    try {
      await this.fs.link(this.path, this.previousPath);
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  /** Puts the previous version (or no file) back; false if that failed too. */
  private async undoReplace(kept: boolean): Promise<boolean> {
    try {
      if (kept) await this.fs.rename(this.previousPath, this.path);
      else await this.fs.unlink(this.path);
      return true;
    } catch (error) {
      this.logger.error(
        `could not put back the previous ${this.path} after a failed replacement: ` +
          describeFsError(error),
      );
      return false;
    }
  }

  private warnClose(error: unknown): void {
    this.logger.warn(`could not close ${this.path}: ${describeFsError(error)}`);
  }
}

async function writeWhole(file: StorageFile, bytes: Buffer, position: number): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const written = await file.write(bytes, at, bytes.length - at, position + at);
    if (written === 0) throw diskFull(file);
    at += written;
  }
}

function writeWholeSync(file: StorageFile, bytes: Buffer, position: number): void {
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
