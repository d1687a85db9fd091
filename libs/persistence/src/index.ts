export { CLOCK, systemClock } from './clock';
export type { Clock } from './clock';
export { FileManager } from './file-manager.service';
export type { StorageStats } from './file-manager.service';
export { BucketCounts } from './commit/commit-stats';
export type { CommitStats } from './commit/commit-stats';
export { RetentionPolicy } from './retention/retention-policy';
export { PersistenceModule } from './persistence.module';
export { DEFAULT_FLUSH_VALUES, STORAGE_OPTIONS } from './storage-options';
export type { Durability, StorageOptions } from './storage-options';
export type { SeriesVisitor } from './series/series-visitor';
export { AlertRuleStore } from './alerts/alert-rule-store';
export { deletedRuleLine, ruleKey } from './alerts/alert-rule';
export type {
  AlertCheckResult,
  NewAlertRule,
  RuleCheckpoint,
  StoredAlertRule,
} from './alerts/alert-rule';
export { STORAGE_FS } from './io/storage-fs';
export type { FsCallKind, OpenMode, StorageFile, StorageFs } from './io/storage-fs';
export { nodeStorageFs } from './io/node-storage-fs';
export { decodeWalRecord, encodeWalRecord } from './wal/wal-format';
export type { DecodedBatch, WalBatchSource } from './wal/wal-format';
export { AlertJournal, JsonLinesFile } from './io/json-lines-file';
export type { MetricIdPage, MetricSummary } from './series/metric-listing';
