import type { Durability } from '@app/persistence';
import { existsSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ServerConfig } from '../config/server-config';

/** The server's configuration for the property test: no listener is opened, only providers run. */
export function propertyConfig(
  dataDir: string,
  durability: Durability,
  flushValues: number,
): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    dataDir: dataDir,
    alertPeriodSeconds: 86_400, // only the test's explicit checks run
    maxConnections: 16,
    maxInFlight: 64,
    maxLineBytes: 4096,
    idleTimeoutMs: 60_000,
    drainTimeoutMs: 1_000,
    durability: durability,
    flushValues: flushValues,
    retentionMs: 0, // the model keeps every value
    retentionBytes: 0,
    compactionIntervalMs: 600_000,
    timeZone: 'UTC',
    logLevel: 'log',
  };
}

/**
 * Data directories go to memory where there is room (Linux; a container's /dev/shm is often only
 * 64 MB, and every WAL segment preallocates 8 MB): the property is about what the code does when
 * calls fail, not about the disk, and an fsync there costs nothing (on disk a run spends most of
 * its time waiting for fsync).
 */
export function baseDir(): string {
  if (!existsSync('/dev/shm')) return tmpdir();
  const { bavail, bsize } = statfsSync('/dev/shm');
  return bavail * bsize >= 512 * 1024 * 1024 ? '/dev/shm' : tmpdir();
}
