import { constants, readSync, writeSync } from 'node:fs';
import {
  FileHandle,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  link,
  stat,
  truncate,
  unlink,
} from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorCode } from './fs-error';
import type { OpenMode, StorageFile, StorageFs } from './storage-fs';

const { O_WRONLY, O_CREAT, O_TRUNC, O_DSYNC, O_APPEND, O_RDONLY } = constants;

const FLAGS: Record<OpenMode, number> = {
  read: O_RDONLY,
  create: O_WRONLY | O_CREAT | O_TRUNC,
  'create-dsync': O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC,
  append: O_WRONLY | O_CREAT | O_APPEND,
  update: O_WRONLY | O_CREAT,
  'update-dsync': O_WRONLY | O_CREAT | O_DSYNC,
};

/** Zeros for zeroFill, allocated once at the largest size asked for. */
let zeros = Buffer.alloc(0);

class NodeStorageFile implements StorageFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.handle.read(buffer, offset, length, position)).bytesRead;
  }

  readSync(buffer: Buffer, offset: number, length: number, position: number): number {
    return readSync(this.handle.fd, buffer, offset, length, position);
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.handle.write(buffer, offset, length, position)).bytesWritten;
  }

  writeSync(buffer: Buffer, offset: number, length: number, position: number): number {
    return writeSync(this.handle.fd, buffer, offset, length, position);
  }

  async append(text: string): Promise<void> {
    await this.handle.writeFile(text);
  }

  async zeroFill(position: number, length: number): Promise<number> {
    if (zeros.length < length) zeros = Buffer.alloc(length);
    return this.write(zeros, 0, length, position);
  }

  sync(dataOnly = false): Promise<void> {
    return dataOnly ? this.handle.datasync() : this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system (node:fs). */
export const nodeStorageFs: StorageFs = {
  async open(path, mode) {
    return new NodeStorageFile(path, await open(path, FLAGS[mode], 0o644));
  },
  readFile: (path) => readFile(path),
  readdir: (dir) => readdir(dir),
  mkdir: (dir) => makeDirectory(dir),
  rename: (from, to) => rename(from, to),
  link: (existing, to) => link(existing, to),
  unlink: (path) => unlink(path),
  truncate: (path, length) => truncate(path, length),
  async syncDirectory(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined); // the fsync's error is the one to report
      throw error;
    }
    await handle.close();
  },
};

/**
 * `mkdir -p` that fails instead of spinning: node's recursive mkdir retries for ever where a
 * parent exists but refuses the child with ENOENT (`/proc/nope`: ~4,900 calls a second). Here
 * each directory is created at most twice (before and after its parent), so every failure ends
 * in one error: ENOENT, EACCES, ENOTDIR (a file in the way), EROFS...
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return mustBeDirectory(dir, error);
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    await makeDirectory(parent);
    try {
      await mkdir(dir);
    } catch (again) {
      if (errorCode(again) === 'EEXIST') return mustBeDirectory(dir, again);
      throw again;
    }
  }
}

/** After EEXIST: fine if it is a directory, else ENOTDIR (a file is in the way). */
async function mustBeDirectory(dir: string, cause: unknown): Promise<void> {
  if ((await stat(dir)).isDirectory()) return;
  throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), {
    code: 'ENOTDIR',
    syscall: 'mkdir',
    path: dir,
    cause,
  });
}
