import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { join, resolve } from 'node:path';
import { CLOCK, systemClock } from '../clock';
import type { Clock } from '../clock';
import { detachedString } from '../detached-string';
import { FileManager } from '../file-manager.service';
import { AlertJournal } from '../io/json-lines-file';
import { nodeStorageFs } from '../io/node-storage-fs';
import { STORAGE_FS } from '../io/storage-fs';
import type { StorageFs } from '../io/storage-fs';
import { DEFAULT_RETRY_MS, STORAGE_OPTIONS } from '../storage-options';
import type { StorageOptions } from '../storage-options';
import { copyRule, deletedRuleLine, frozenRule, ruleKey } from './alert-rule';
import type { AlertCheckResult, NewAlertRule, StoredAlertRule } from './alert-rule';
import type { RulesBatch } from './rules-batch';
import { RulesCommitter } from './rules-committer';
import type { RulesCommitTarget } from './rules-committer';
import { RulesLogFile } from './rules-log-file';
import type { CheckpointGroup } from './rules-log-format';
import { recoverRules, removeObsolete } from './rules-recovery';

/**
 * Durable alert rules and their checkpoints (alerts/rules.log), and the alert journal
 * (alerts.jsonl). Every change is made in memory at once and recorded in the pending batch of
 * the rules log (rules-committer.ts), and reported done once that batch is durable; a batch that
 * fails is undone in memory: its registrations are refused (they leave memory, so no snapshot
 * writes them), its removals put back, and its checkpoints (kept in memory) go into the next
 * snapshot. Records are frozen and replaced, never changed; callers only ever get copies. A
 * check's checkpoints move only after its journal lines are durable.
 *
 * Over 200 lines on purpose: the rules, the unconfirmed registrations and the undo of a failed
 * batch keep one invariant together (no commit writes a refused rule, none loses an acknowledged
 * one). The log's format, file, commits and recovery are in the rules-*.ts files.
 */
@Injectable()
export class AlertRuleStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AlertRuleStore.name);
  private readonly rules = new Map<string, Readonly<StoredAlertRule>>();
  /** Rules registered whose batch is not durable yet, and that batch. */
  private readonly unconfirmed = new Map<string, RulesBatch>();
  private readonly dir: string;
  private readonly log: RulesLogFile;
  private readonly committer: RulesCommitter;
  private readonly journalFile: AlertJournal;

  /**
   * `_files` is there for start-up order only: recovery writes in the data directory (cuts a
   * torn tail, migrates), so it must run after FileManager.onModuleInit took the directory's lock.
   */
  constructor(
    @Inject(STORAGE_OPTIONS) options: StorageOptions,
    @Optional() @Inject(STORAGE_FS) private readonly fs: StorageFs = nodeStorageFs,
    @Optional() @Inject(CLOCK) clock: Clock = systemClock,
    @Optional() _files?: FileManager,
  ) {
    const dataDir = resolve(options.dataDir);
    this.dir = join(dataDir, 'alerts');
    // Always synced, whatever PULSE_DURABILITY says of values: rules are few, and a rule lost to
    // a power cut would silently never fire (the README's guarantee since rules were first kept).
    this.log = new RulesLogFile(fs, this.dir, true);
    const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    const target: RulesCommitTarget = {
      rules: () => this.rules.values(),
      ruleCount: () => this.rules.size,
      committed: (batch) => this.committed(batch),
      failed: (batch, error) => this.failed(batch, error),
    };
    this.committer = new RulesCommitter(this.log, target, clock, retryMs);
    this.journalFile = new AlertJournal(fs, join(dataDir, 'alerts.jsonl'));
  }

  async onModuleInit(): Promise<void> {
    const recovered = await recoverRules(this.fs, this.dir, this.log.path);
    for (const rule of recovered.rules) this.rules.set(ruleKey(rule), frozenRule(rule));
    this.log.recovered(recovered.logBytes, recovered.logExists);
    if (recovered.rewrite) {
      this.logger.log(recovered.rewrite);
      await this.committer.snapshot();
    }
    if (await removeObsolete(this.fs, recovered.obsolete)) await this.fs.syncDirectory(this.dir);
    if (this.rules.size > 0)
      this.logger.log(`loaded ${this.rules.size} alert rules from ${recovered.source}`);
  }

  /** Lets the running commits finish, then closes the log: later changes fail. */
  async onApplicationShutdown(): Promise<void> {
    await this.committer.idle();
    await this.log.close();
  }

  /** Copies of the registered rules (those whose record is durable), with their checkpoints. */
  all(): StoredAlertRule[] {
    const copies: StoredAlertRule[] = [];
    for (const [key, rule] of this.rules)
      if (!this.unconfirmed.has(key)) copies.push(copyRule(rule));
    return copies;
  }

  /** Whether the rule is registered: its record is durable. */
  isRegistered(rule: NewAlertRule): boolean {
    return this.registered(ruleKey(rule));
  }

  private registered(key: string): boolean {
    return this.rules.has(key) && !this.unconfirmed.has(key);
  }

  /**
   * Registers rules (each once), all new ones in the same commit. Resolves, per rule, to
   * undefined once it is durable, or to the error of the commit that failed to store it: the
   * rule is then not registered, now or later. A rule another call registered and is still
   * committing shares that commit's outcome.
   */
  async registerAll(rules: readonly NewAlertRule[], now: number): Promise<(Error | undefined)[]> {
    const keys = rules.map(ruleKey);
    const batch = this.committer.pending;
    rules.forEach(({ id, op, secs, limit }, i) => {
      if (this.rules.has(keys[i])) return;
      // The id is kept for the server's life: no slice of a read's text.
      const stored = frozenRule({
        id: detachedString(id),
        op,
        secs,
        limit,
        registeredAt: now,
        checkedUpTo: now,
        firing: false,
      });
      this.rules.set(keys[i], stored);
      this.unconfirmed.set(keys[i], batch);
      batch.registers.push(keys[i]);
      batch.add({ rule: stored });
    });
    if (batch.registers.length > 0) this.committer.commitSoon();
    const owners = keys.map((key) => this.unconfirmed.get(key));
    const failures = new Map<RulesBatch, Error>();
    for (const owner of new Set(owners))
      await owner?.done.catch((e: Error) => failures.set(owner, e));
    return keys.map((key, i) =>
      this.registered(key)
        ? undefined
        : (failures.get(owners[i]!) ?? new Error(`alert rule ${key} was not stored`)),
    );
  }

  /**
   * Commits a check: appends its journal lines and syncs them, then moves the checkpoints and
   * records them. If the journal fails, no checkpoint moves (the next check covers the same
   * values again); if the record fails, the checkpoints are kept in memory and written with the
   * next commit (a snapshot).
   */
  async commitCheck({ journal, checkpoints }: AlertCheckResult): Promise<void> {
    try {
      await this.journalFile.append(journal);
    } catch (error) {
      throw new Error(
        `could not journal ${journal.length} alert lines in ${this.journalFile.path} ` +
          `(${(error as Error).message}); no checkpoint moved`,
        { cause: error },
      );
    }
    const groups: CheckpointGroup[] = [];
    for (const { rule, checkedUpTo, firing } of checkpoints) {
      const key = ruleKey(rule);
      const current = this.rules.get(key);
      // Only from the state the check read: a rule dropped or changed meanwhile stays as it is.
      if (current?.checkedUpTo !== rule.checkedUpTo || current.registeredAt !== rule.registeredAt)
        continue;
      const moved = copyRule(current);
      moved.checkedUpTo = checkedUpTo;
      moved.firing = firing;
      this.rules.set(key, Object.freeze(moved));
      groupOf(groups, checkedUpTo, firing).keys.push(key);
    }
    if (groups.length === 0) return;
    const batch = this.committer.pending;
    batch.add({ checkpoints: groups });
    batch.movesCheckpoints = true;
    this.committer.commitSoon();
    try {
      await batch.done;
    } catch (error) {
      throw new Error(
        `journaled ${journal.length} alert lines but could not record the checkpoints ` +
          `(${(error as Error).message}); they are written with the next commit`,
        { cause: error },
      );
    }
  }

  /**
   * Removes a registered rule (DELETE /api/alerts/{rule}): resolves to it once its removal is
   * durable, then journals a `deleted` line (notifications resolve its alert); undefined if
   * there is no such rule. If the removal cannot be recorded the rule stays, and this rejects.
   */
  async remove(key: string, now: number): Promise<StoredAlertRule | undefined> {
    const rule = this.rules.get(key);
    if (!rule || this.unconfirmed.has(key)) return undefined;
    this.rules.delete(key);
    const batch = this.committer.pending;
    batch.add({ removed: key });
    batch.removals.set(key, rule);
    this.committer.commitSoon();
    await batch.done;
    await this.journalFile
      .append([deletedRuleLine(rule, now)])
      .catch((error: Error) =>
        this.logger.warn(`deleted alert rule ${key}, but could not journal it: ${error.message}`),
      );
    return copyRule(rule);
  }

  /** Waits for running commits; then, if memory is ahead of the log, writes a snapshot. */
  async flush(): Promise<void> {
    await this.committer.idle();
    if (this.committer.needsSnapshot) await this.committer.snapshot();
  }

  private committed(batch: RulesBatch): void {
    for (const key of batch.registers)
      if (this.unconfirmed.get(key) === batch) this.unconfirmed.delete(key);
    batch.settle();
  }

  /** Undoes the batch in memory: its rules are answered 500 and leave memory. */
  private failed(batch: RulesBatch, error: Error): void {
    for (const key of batch.registers) {
      if (this.unconfirmed.get(key) !== batch) continue;
      this.unconfirmed.delete(key);
      const previous = batch.shadowed.get(key);
      if (previous) this.rules.set(key, previous);
      else this.rules.delete(key);
    }
    for (const [key, rule] of batch.removals) {
      if (!this.rules.has(key)) this.rules.set(key, rule);
      // Registered again meanwhile, by the pending batch: if that fails too, this one is back.
      else this.unconfirmed.get(key)?.shadowed.set(key, rule);
    }
    batch.settle(error);
  }
}

/** The group of one checkpoint and state (a check makes one or two: few enough to search). */
function groupOf(groups: CheckpointGroup[], checkedUpTo: number, firing: boolean) {
  let group = groups.find((g) => g.checkedUpTo === checkedUpTo && g.firing === firing);
  if (!group) groups.push((group = { checkedUpTo, firing, keys: [] }));
  return group;
}
