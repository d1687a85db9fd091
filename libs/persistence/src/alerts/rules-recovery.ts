import { Logger } from '@nestjs/common';
import { errorCode } from '../io/fs-error';
import type { StorageFs } from '../io/storage-fs';
import type { StoredAlertRule } from './alert-rule';
import { LegacyRulesFile } from './legacy-rules-file';
import { applyRecord, decodeRulesLog } from './rules-log-format';

/** What start-up found in the alerts directory. */
export interface RecoveredRules {
  rules: StoredAlertRule[];
  /** Where they were read from (for the start-up line). */
  source: string;
  /** Bytes of valid records in rules.log, and whether it exists. */
  logBytes: number;
  logExists: boolean;
  /**
   * Why rules.log must be rewritten from `rules` before anything is appended to it: the rules
   * come from rules.json (migration), or the log had damaged records. Undefined if it need not.
   */
  rewrite?: string;
  /** Files to remove once the log holds the rules (rules.json and the leftovers of its saves). */
  obsolete: string[];
}

const logger = new Logger('AlertRuleStore');

/**
 * Reads the rules at start-up: rules.log replayed, its torn tail cut (a crash during an append:
 * the records of that write were never acknowledged), damaged records skipped and the log kept
 * as *.corrupt; without a log, the rules.json of earlier releases, to migrate. When both exist a
 * migration was interrupted after the log was written: the log is the newer state.
 */
export async function recoverRules(
  fs: StorageFs,
  dir: string,
  logPath: string,
): Promise<RecoveredRules> {
  await fs.mkdir(dir);
  for (const leftover of [`${logPath}.tmp`, `${logPath}.prev`]) await unlinkIfThere(fs, leftover);
  const legacy = new LegacyRulesFile(fs, dir);
  const log = await readIfThere(fs, logPath);
  if (log === undefined) {
    const rules = await legacy.load();
    if (rules === undefined) return { ...empty(logPath), obsolete: legacy.paths };
    const rewrite = `migrating ${rules.length} alert rules from ${legacy.path}`;
    return { ...empty(legacy.path), rules, rewrite, obsolete: legacy.paths };
  }
  const decoded = decodeRulesLog(log);
  const rules = new Map<string, StoredAlertRule>();
  for (const record of decoded.records) applyRecord(rules, record);
  const recovered: RecoveredRules = {
    ...empty(logPath),
    rules: [...rules.values()],
    logBytes: decoded.validEnd,
    logExists: true,
    obsolete: legacy.paths,
  };
  if (decoded.damaged.length > 0) {
    await keepAside(fs, logPath);
    logger.error(
      `skipped ${decoded.damaged.length} damaged records of ${logPath} (the first at offset ` +
        `${decoded.damaged[0]}); the rules they held may be missing; kept as ${logPath}.corrupt`,
    );
    recovered.rewrite = `rewriting ${logPath} without its damaged records`;
  } else if (decoded.validEnd < log.length) {
    await fs.truncate(logPath, decoded.validEnd);
    // Zeros past the records were written ahead of them (RulesLogFile.preallocate): not damage.
    const torn = lastNonZero(log, decoded.validEnd) - decoded.validEnd;
    if (torn > 0) {
      logger.warn(
        `cut ${torn} torn bytes off ${logPath} at offset ${decoded.validEnd} ` +
          '(an append a crash interrupted, never acknowledged)',
      );
    }
  }
  return recovered;
}

const empty = (source: string): RecoveredRules => ({
  rules: [],
  source,
  logBytes: 0,
  logExists: false,
  obsolete: [],
});

async function readIfThere(fs: StorageFs, path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

async function unlinkIfThere(fs: StorageFs, path: string): Promise<boolean> {
  try {
    await fs.unlink(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** A second name for the damaged log, *.corrupt (replacing an older one), for inspection. */
async function keepAside(fs: StorageFs, path: string): Promise<void> {
  await unlinkIfThere(fs, `${path}.corrupt`);
  await fs.link(path, `${path}.corrupt`);
}

/** Removes the files that are not needed any more; true if one was there. */
export async function removeObsolete(fs: StorageFs, paths: readonly string[]): Promise<boolean> {
  let removed = false;
  for (const path of paths) if (await unlinkIfThere(fs, path)) removed = true;
  return removed;
}

/** One past the last non-zero byte of `buf` at or after `from` (or `from` if all are zero). */
function lastNonZero(buf: Buffer, from: number): number {
  let end = buf.length;
  while (end > from && buf[end - 1] === 0) end--;
  return end;
}
