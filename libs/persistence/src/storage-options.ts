import type { RetentionPolicy } from './retention/retention-policy';

export type Durability = 'fsync' | 'os';

/** What the FileManager needs from the server's configuration. */
export interface StorageOptions {
  dataDir: string;
  /** fsync: on stable storage (O_DSYNC write) before acknowledging, survives power loss; os: written to the OS only. */
  durability: Durability;
  /** Head values (all metrics) that trigger writing a block and trimming the write-ahead log. */
  flushValues: number;
  /**
   * Wait before a failed block write, WAL rotation or WAL trim is tried again (ms; default
   * DEFAULT_RETRY_MS). The data stays safe in the WAL meanwhile.
   */
  retryMs?: number;
  /** What is kept (PULSE_RETENTION, PULSE_RETENTION_BYTES); default: everything. */
  retention?: RetentionPolicy;
  /** How often compaction runs besides after each flush (ms); default DEFAULT_COMPACTION_MS. */
  compactionIntervalMs?: number;
  /** Window spans of compaction, smallest first; default levelSpans(retention) (tests: shorter). */
  compactionSpansMs?: number[];
  /**
   * The built compaction worker script (the server's dist/apps/server/compaction-worker.js);
   * absent: compaction runs on the event loop (unit tests, which run the TypeScript sources).
   */
  compactionWorkerScript?: string;
  /** Bytes of decoded block chunks kept for queries (DecodedChunkCache); default DEFAULT_QUERY_CACHE_BYTES. */
  queryCacheBytes?: number;
}

export const DEFAULT_COMPACTION_MS = 600_000;

export const STORAGE_OPTIONS = Symbol('STORAGE_OPTIONS');

export const DEFAULT_FLUSH_VALUES = 1_000_000;

/**
 * Decoded block chunks kept for queries: 48 MiB, about 2,400,000 values in chunks of 1,024.
 * Filled only by queries whose windows cut through chunks; see DecodedChunkCache.
 */
export const DEFAULT_QUERY_CACHE_BYTES = 48 * 2 ** 20;

export const DEFAULT_RETRY_MS = 5_000;

/** The setting that names the data directory, for messages about it. */
export const DATA_DIR_SETTING = 'PULSE_DATA_DIR';
