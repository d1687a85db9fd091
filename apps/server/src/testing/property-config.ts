import type { Durability } from '@app/persistence';
import type { ServerConfig } from '../config/server-config';

export { baseDir } from '@app/persistence/testing/base-dir';

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
