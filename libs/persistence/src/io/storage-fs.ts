/**
 * The one seam through which storage and alert persistence touch the file system. Production uses
 * `nodeStorageFs`; tests pass a `FaultyFs` (libs/persistence/src/testing) that fails or hangs the
 * Nth call of a kind with a chosen errno, as SQLite's I/O-error harness does for every I/O call.
 */

/** The kinds of call a fault can be injected into (one per system call family). */
export const FS_CALL_KINDS = [
  'open',
  'close',
  'read',
  'write',
  'fsync',
  'ftruncate',
  'zero-fill',
  'stat',
  'rename',
  'link',
  'unlink',
  'readdir',
  'mkdir',
] as const;

export type FsCallKind = (typeof FS_CALL_KINDS)[number];

/** An open file. Positions are absolute (pread/pwrite): no call depends on a file cursor. */
export interface StorageFile {
  /** The path it was opened with (for messages). */
  readonly path: string;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /**
   * The same on the calling thread: blocks the event loop for the read (for a page in the OS's
   * cache, a few microseconds; a thread-pool read costs 10-50 on this machine, most of it
   * hand-offs), so only for callers that bound their run on the loop (the alert check).
   */
  readSync(buffer: Buffer, offset: number, length: number, position: number): number;
  /** Writes part or all of the range; returns the bytes written (0 on a full disk, never throws for it). */
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** The same on the calling thread: blocks the event loop, saves the thread-pool hand-offs. */
  writeSync(buffer: Buffer, offset: number, length: number, position: number): number;
  /** Appends the whole text at the end (a file opened with 'a'). */
  append(text: string): Promise<void>;
  /** Extends the file with zeros over [position, position + length) ahead of the writes. */
  zeroFill(position: number, length: number): Promise<number>;
  /** fdatasync (data only) or fsync (data and metadata). */
  sync(dataOnly?: boolean): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** How a file is opened. */
export type OpenMode =
  /** read only */
  | 'read'
  /** write, created or truncated */
  | 'create'
  /** write, created or truncated, every write on stable storage before it returns (O_DSYNC) */
  | 'create-dsync'
  /** append, created if missing */
  | 'append'
  /** write at any position, created if missing, never truncated */
  | 'update'
  /** the same, every write on stable storage before it returns (O_DSYNC) */
  | 'update-dsync';

export interface StorageFs {
  open(path: string, mode: OpenMode): Promise<StorageFile>;
  /** The whole file; throws ENOENT if it is missing. */
  readFile(path: string): Promise<Buffer>;
  readdir(dir: string): Promise<string[]>;
  /** Creates the directory and its parents; nothing if it exists. */
  mkdir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** A second name for an existing file (a hard link); fails with EEXIST if `to` exists. */
  link(existing: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  truncate(path: string, length: number): Promise<void>;
  /** Makes a directory's entries (created, renamed or removed files) durable. */
  syncDirectory(dir: string): Promise<void>;
}

/** The injection token for the StorageFs that the persistence providers use. */
export const STORAGE_FS = Symbol('STORAGE_FS');
