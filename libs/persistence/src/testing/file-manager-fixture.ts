import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileManager } from '../file-manager.service';
import type { StorageOptions } from '../storage-options';
import { ManualClock } from './scan-collectors';

/**
 * One data directory and the FileManagers a test opens on it, with a clock the test sets:
 * `setUp` in beforeEach, `tearDown` in afterEach (closes what is still open, removes the
 * directory).
 */
export class FileManagerFixture {
  dir = '';
  clock = new ManualClock();
  private readonly open: FileManager[] = [];

  constructor(private readonly prefix: string) {}

  async setUp(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), `pulse-${this.prefix}-`));
    this.clock = new ManualClock();
  }

  async tearDown(): Promise<void> {
    for (const fm of this.open.splice(0)) await fm.onApplicationShutdown().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A FileManager on the directory, recovered (durability `os`, no flush unless told). */
  async start(options: Partial<StorageOptions> = {}): Promise<FileManager> {
    const fm = new FileManager(
      { dataDir: this.dir, durability: 'os', flushValues: 1_000_000, ...options },
      this.clock,
    );
    await fm.onModuleInit();
    this.open.push(fm);
    return fm;
  }

  async stop(fm: FileManager): Promise<void> {
    await fm.onApplicationShutdown();
    this.open.splice(this.open.indexOf(fm), 1);
  }
}
