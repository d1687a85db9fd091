import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { MetricsService } from '@app/metrics';
import { AlertRuleStore, CLOCK, Durability, StoredAlertRule } from '@app/persistence';
import { STORAGE_FS } from '@app/persistence/io/storage-fs';
import { FaultSpec, FaultyFs, InjectedFault } from '@app/persistence/testing/faulty-fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AlertMonitor } from '../alerts/alert-monitor.service';
import { ServerModule } from '../server.module';
import { watchCrashes } from './crash-watch';
import { DeferredTimers } from './deferred-timers';
import { ManualClock } from './manual-clock';
import { baseDir, propertyConfig } from './property-config';
import { RecentLog } from './recent-log';

/** A step that takes this long (wall time) is a hang: the server stopped answering. */
const HANG_MS = 20_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/**
 * One Pulse server in-process, built through Nest as main.ts builds it, on a temporary data
 * directory, with the file-system seam and the clock in the test's hands. Each server instance
 * gets its own FaultyFs: a "crashed" one keeps failing every call forever, as a dead process can
 * no longer touch the disk, while the next instance starts on the same directory.
 */
export class PulseHarness {
  readonly clock = new ManualClock(T0);
  readonly timers = new DeferredTimers();
  readonly log = new RecentLog();
  /** Unhandled rejections and uncaught exceptions seen while the harness ran (must stay empty). */
  readonly crashes: string[] = [];
  fs = new FaultyFs();
  private app: TestingModule | undefined;
  private faults: InjectedFault[] = [];
  private dir = '';
  private unwatch = () => undefined as void;

  constructor(
    private readonly durability: Durability,
    private readonly flushValues: number,
  ) {}

  async open(): Promise<void> {
    this.dir = await mkdtemp(join(baseDir(), 'pulse-property-'));
    Logger.overrideLogger(this.log);
    this.timers.install();
    this.unwatch = watchCrashes((error) =>
      this.crashes.push(error instanceof Error ? (error.stack ?? error.message) : String(error)),
    );
    await this.start();
  }

  get metrics(): MetricsService {
    return this.server.get(MetricsService);
  }

  get monitor(): AlertMonitor {
    return this.server.get(AlertMonitor);
  }

  /** The rules the running server holds (after a restart: the ones it loaded from disk). */
  activeRules(): StoredAlertRule[] {
    return this.server.get(AlertRuleStore).all();
  }

  /** The process never crashed: no unhandled rejection or uncaught exception so far. */
  assertNoCrash(): void {
    if (this.crashes.length > 0) throw new Error(`the server crashed: ${this.crashes[0]}`);
  }

  inject(spec: FaultSpec): void {
    this.faults.push(this.fs.inject(spec));
  }

  /** Whether an injected fault may still fail a call (failures are then allowed, not required). */
  faultArmed(): boolean {
    return this.faults.some((f) => f.hits < (f.spec.times ?? 1));
  }

  /** Runs a step of the server, failing the property if it never ends. */
  async step<T>(work: Promise<T>, what: string): Promise<T> {
    let cancel = () => undefined as void;
    const hang = new Promise<never>((_, reject) => {
      cancel = this.timers.afterRealTime(HANG_MS, () =>
        reject(new Error(`${what} hung for ${HANG_MS} ms`)),
      );
    });
    try {
      return await Promise.race([work, hang]);
    } finally {
      cancel();
    }
  }

  /**
   * A stop and a start on the same directory. The faults still armed apply to the shutdown (a
   * disk that keeps failing until the process stops); if one is, the stop may report an error.
   */
  async restart(): Promise<void> {
    const armed = this.faultArmed();
    try {
      await this.step(this.server.close(), 'shutdown');
    } catch (error) {
      if (!armed) throw error;
      await this.replace(true);
      return;
    }
    await this.replace(false);
  }

  /** The disk vanishes for this process (every call fails from now on); a new one starts. */
  async crash(): Promise<void> {
    this.killDisk();
    const closed = await this.step(this.server.close(), 'shutdown of a crashed server').then(
      () => true,
      () => false,
    );
    await this.replace(!closed);
  }

  /** The journal lines on disk, in order (a line that does not parse is a broken journal). */
  async journal(): Promise<Record<string, unknown>[]> {
    const text = await readFile(join(this.dir, 'alerts.jsonl'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`alerts.jsonl holds a line that is not JSON: ${line}`);
        }
      });
  }

  async dispose(): Promise<void> {
    this.fs.clear();
    await this.app?.close().catch(() => undefined);
    this.app = undefined;
    this.unwatch();
    this.timers.uninstall();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private get server(): TestingModule {
    if (!this.app) throw new Error('no server is running');
    return this.app;
  }

  private killDisk(): void {
    this.fs.failAll();
  }

  /**
   * The stopped server is gone: whatever it still runs can no longer reach the disk. If its
   * shutdown failed part-way, calls it had already started may still be landing: a dead
   * process's last writes land before a new one starts, so give them a moment.
   */
  private async replace(settle: boolean): Promise<void> {
    this.killDisk();
    if (settle) await new Promise<void>((resolve) => this.timers.afterRealTime(20, resolve));
    this.app = undefined;
    this.timers.dropAll(); // the stopped server's retry timers died with it
    this.fs = new FaultyFs();
    this.faults = [];
    await this.start();
  }

  private async start(): Promise<void> {
    const app = await Test.createTestingModule({
      imports: [ServerModule.register(propertyConfig(this.dir, this.durability, this.flushValues))],
    })
      .overrideProvider(STORAGE_FS)
      .useValue(this.fs)
      .overrideProvider(CLOCK)
      .useValue(this.clock)
      .compile();
    app.useLogger(this.log);
    await this.step(app.init(), 'start-up');
    this.app = app;
  }
}
