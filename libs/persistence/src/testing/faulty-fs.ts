import { nodeStorageFs } from '../io/node-storage-fs';
import { FS_CALL_KINDS } from '../io/storage-fs';
import type { FsCallKind, OpenMode, StorageFile, StorageFs } from '../io/storage-fs';
import { FaultSpec, InjectedFault, fsError } from './injected-fault';

export { InjectedFault, fsError } from './injected-fault';
export type { FaultSpec } from './injected-fault';

/**
 * A StorageFs that passes calls to a real one, except those a test chose to fail, hang or cut
 * short. Counts every call by kind, so a test can fail "the 3rd fsync" or every call in turn.
 */
export class FaultyFs implements StorageFs {
  private faults: InjectedFault[] = [];
  readonly counts = new Map<FsCallKind, number>();

  constructor(private readonly inner: StorageFs = nodeStorageFs) {}

  inject(spec: FaultSpec): InjectedFault {
    const fault = new InjectedFault(spec, (f) => {
      this.faults = this.faults.filter((other) => other !== f);
    });
    this.faults.push(fault);
    return fault;
  }

  /**
   * Fails every call of every kind from now on (until clear()). With it a test can stand in for
   * a crash in-process: `failAll(); await fm.onApplicationShutdown(); clear()` writes nothing
   * more (no flush, no trim, the WAL keeps its preallocated zeros) but lets the data-directory
   * lock go, so a new FileManager can recover the directory as after a kill.
   */
  failAll(errno = 'EIO'): void {
    for (const kind of FS_CALL_KINDS) this.inject({ kind, errno, times: Infinity });
  }

  /** Removes every fault and lets every hung call go on. */
  clear(): void {
    for (const fault of [...this.faults]) fault.release();
  }

  /** How many calls of a kind were made (affected or not). */
  count(kind: FsCallKind): number {
    return this.counts.get(kind) ?? 0;
  }

  /**
   * Runs one call: counted, then failed, hung or cut short as a fault says, else passed on.
   * `shortResult` is what a short write returns instead of running.
   */
  async call<T>(kind: FsCallKind, path: string, run: () => Promise<T>, shortResult?: T) {
    const fault = this.match(kind, path);
    if (fault?.spec.hang) await fault.waitForRelease();
    else if (fault?.spec.short && shortResult !== undefined) return shortResult;
    else if (fault) throw fsError(fault.spec.errno ?? 'EIO', kind, path);
    return run();
  }

  /** The same for a synchronous call: a hang cannot be had there, so a hang fault passes it. */
  callSync<T>(kind: FsCallKind, path: string, run: () => T, shortResult?: T): T {
    const fault = this.match(kind, path);
    if (fault && !fault.spec.hang) {
      if (fault.spec.short && shortResult !== undefined) return shortResult;
      throw fsError(fault.spec.errno ?? 'EIO', kind, path);
    }
    return run();
  }

  private match(kind: FsCallKind, path: string): InjectedFault | undefined {
    this.counts.set(kind, this.count(kind) + 1);
    let taken: InjectedFault | undefined;
    // Every fault sees every call (so that `nth` counts are each fault's own).
    for (const fault of this.faults) if (fault.takes(kind, path) && !taken) taken = fault;
    if (taken) taken.hits++; // only the fault applied counts the call as a hit
    return taken;
  }

  async open(path: string, mode: OpenMode): Promise<StorageFile> {
    const file = await this.call('open', path, () => this.inner.open(path, mode));
    return new FaultyFile(this, file);
  }

  readFile(path: string): Promise<Buffer> {
    return this.call('read', path, () => this.inner.readFile(path));
  }

  readdir(dir: string): Promise<string[]> {
    return this.call('readdir', dir, () => this.inner.readdir(dir));
  }

  mkdir(dir: string): Promise<void> {
    return this.call('mkdir', dir, () => this.inner.mkdir(dir));
  }

  rename(from: string, to: string): Promise<void> {
    return this.call('rename', from, () => this.inner.rename(from, to));
  }

  link(existing: string, to: string): Promise<void> {
    return this.call('link', existing, () => this.inner.link(existing, to));
  }

  unlink(path: string): Promise<void> {
    return this.call('unlink', path, () => this.inner.unlink(path));
  }

  truncate(path: string, length: number): Promise<void> {
    return this.call('ftruncate', path, () => this.inner.truncate(path, length));
  }

  syncDirectory(dir: string): Promise<void> {
    return this.call('fsync', dir, () => this.inner.syncDirectory(dir));
  }
}

class FaultyFile implements StorageFile {
  constructor(
    private readonly fs: FaultyFs,
    private readonly file: StorageFile,
  ) {}

  get path(): string {
    return this.file.path;
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.fs.call('read', this.path, () => this.file.read(buffer, offset, length, position));
  }

  readSync(buffer: Buffer, offset: number, length: number, position: number): number {
    const run = () => this.file.readSync(buffer, offset, length, position);
    return this.fs.callSync('read', this.path, run);
  }

  write(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const run = () => this.file.write(buffer, offset, length, position);
    return this.fs.call('write', this.path, run, 0);
  }

  writeSync(buffer: Buffer, offset: number, length: number, position: number): number {
    const run = () => this.file.writeSync(buffer, offset, length, position);
    return this.fs.callSync('write', this.path, run, 0);
  }

  append(text: string): Promise<void> {
    return this.fs.call('write', this.path, () => this.file.append(text));
  }

  zeroFill(position: number, length: number): Promise<number> {
    return this.fs.call('zero-fill', this.path, () => this.file.zeroFill(position, length), 0);
  }

  sync(dataOnly?: boolean): Promise<void> {
    return this.fs.call('fsync', this.path, () => this.file.sync(dataOnly));
  }

  truncate(length: number): Promise<void> {
    return this.fs.call('ftruncate', this.path, () => this.file.truncate(length));
  }

  size(): Promise<number> {
    return this.fs.call('stat', this.path, () => this.file.size());
  }

  /**
   * A failed close(2) still releases the descriptor on Linux: the real file is closed whatever
   * the fault says (a test leaking handles would only get a GC warning), then the error is thrown.
   */
  async close(): Promise<void> {
    try {
      await this.fs.call('close', this.path, () => this.file.close());
    } catch (error) {
      await this.file.close().catch(() => undefined);
      throw error;
    }
  }
}
