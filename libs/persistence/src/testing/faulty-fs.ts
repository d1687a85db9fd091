import { constants as osConstants } from 'node:os';
import { nodeStorageFs } from '../io/node-storage-fs';
import type { FsCallKind, OpenMode, StorageFile, StorageFs } from '../io/storage-fs';

/** What to do to matching calls. */
export interface FaultSpec {
  kind: FsCallKind;
  /** The error code the call fails with (default EIO). */
  errno?: string;
  /** The first matching call affected, counted from now: 1 (the default) is the next one. */
  nth?: number;
  /** How many matching calls are affected from there (default 1; Infinity: until removed). */
  times?: number;
  /** Only calls on a path containing this string, or matching this pattern. */
  path?: string | RegExp;
  /** Hang the call until `release()` (then it runs normally) instead of failing it. */
  hang?: boolean;
  /** For writes: write nothing and report 0 bytes (a full disk's short write) instead of failing. */
  short?: boolean;
}

/**
 * A fault being applied; `hits` counts the calls it affected. When two faults cover one call,
 * the one injected first is applied (the other still counts the call towards its `nth`).
 */
export class InjectedFault {
  hits = 0;
  private seen = 0;
  private removed = false;
  private readonly hung: (() => void)[] = [];

  constructor(
    readonly spec: FaultSpec,
    private readonly onRemove: (fault: InjectedFault) => void,
  ) {}

  /** Whether this call is in the fault's range (counts it as seen if it matches). */
  takes(kind: FsCallKind, path: string): boolean {
    const { spec } = this;
    if (this.removed || spec.kind !== kind) return false;
    if (spec.path !== undefined) {
      const matches =
        typeof spec.path === 'string' ? path.includes(spec.path) : spec.path.test(path);
      if (!matches) return false;
    }
    this.seen++;
    const first = spec.nth ?? 1;
    return this.seen >= first && this.seen < first + (spec.times ?? 1);
  }

  waitForRelease(): Promise<void> {
    return new Promise((resolve) => this.hung.push(resolve));
  }

  /** Lets every hung call go on; later matching calls are no longer hung. */
  release(): void {
    this.remove();
    for (const resume of this.hung.splice(0)) resume();
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.onRemove(this);
  }
}

/** An error shaped like the one node:fs throws for a failed system call. */
export function fsError(errno: string, kind: FsCallKind, path: string): NodeJS.ErrnoException {
  const number = (osConstants.errno as Record<string, number>)[errno] ?? 0;
  return Object.assign(new Error(`${errno}: injected ${kind} failure, '${path}'`), {
    code: errno,
    errno: -number,
    syscall: kind,
    path,
  });
}

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

  close(): Promise<void> {
    return this.fs.call('close', this.path, () => this.file.close());
  }
}
