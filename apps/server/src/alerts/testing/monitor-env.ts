import { SchedulerRegistry } from '@nestjs/schedule';
import { MetricsService } from '@app/metrics';
import { AlertRuleStore, FileManager, RetentionPolicy } from '@app/persistence';
import type { Clock } from '@app/persistence';
import { FaultyFs } from '@app/persistence/testing/faulty-fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerConfig } from '../../config/server-config';
import { AlertMonitor } from '../alert-monitor.service';

/** A clock the test moves. */
export class ManualClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A monitor over real storage in a temporary directory; the rule store's calls go through `fs`. */
export async function startMonitor(
  dir: string,
  clock: ManualClock,
  fs = new FaultyFs(),
  retention = RetentionPolicy.keepEverything,
) {
  const options = { dataDir: dir, durability: 'os' as const, flushValues: 1_000_000, retention };
  const files = new FileManager(options, clock);
  await files.onModuleInit();
  const store = new AlertRuleStore(options, fs);
  await store.onModuleInit();
  const metrics = new MetricsService(files, { timeZone: 'UTC' });
  const config = { alertPeriodSeconds: 60 } as ServerConfig;
  const monitor = new AlertMonitor(metrics, store, new SchedulerRegistry(), clock, config);
  const log = async (id: string, value: number, at: number) => {
    clock.t = at;
    await files.append([id], [value]);
  };
  const checkAt = (at: number) => {
    clock.t = at;
    return monitor.check();
  };
  const close = async () => {
    await monitor.beforeApplicationShutdown();
    await files.onApplicationShutdown();
  };
  return { monitor, metrics, files, store, fs, log, checkAt, close };
}

/** The lines of alerts.jsonl (a line that does not parse fails the test). */
export async function readJournal(dir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'alerts.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The rules as a server started on `dir` now (after a crash) would load them. */
export async function rulesAfterRestart(dir: string) {
  const options = { dataDir: dir, durability: 'os' as const, flushValues: 1_000_000 };
  const store = new AlertRuleStore(options);
  await store.onModuleInit();
  return store.all();
}
