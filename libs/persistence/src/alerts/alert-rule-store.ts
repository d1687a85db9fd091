import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { detachedString } from '../detached-string';
import { nodeStorageFs } from '../io/node-storage-fs';
import { STORAGE_FS } from '../io/storage-fs';
import type { StorageFs } from '../io/storage-fs';
import { STORAGE_OPTIONS } from '../storage-options';
import type { StorageOptions } from '../storage-options';
import { AlertJournal } from '../io/json-lines-file';
import { deletedRuleLine, ruleKey } from './alert-rule';
import type { AlertCheckResult, NewAlertRule, StoredAlertRule } from './alert-rule';
import { RulesFile } from './rules-file';
import { RulesSave } from './rules-save';

/**
 * Durable alert rules and their checkpoints (alerts/rules.json), and the alert journal
 * (alerts.jsonl). Records are frozen and replaced, never changed, so a snapshot is an array of
 * them taken synchronously when a save is requested; callers only ever get copies. Saves run one
 * at a time; those requested while one runs share the next (with the newest snapshot). A rule
 * whose save failed is removed from memory and from the waiting snapshot, so no later save writes
 * it. A check's checkpoints enter the rules only after its journal lines are durable.
 *
 * Over ~200 lines on purpose: the rules, the unconfirmed registrations and the save queue keep
 * one invariant together (no snapshot holds a refused rule or an unjournaled checkpoint); split
 * into two classes they would share the same mutable maps. File I/O is in rules-file.ts and
 * io/json-lines-file.ts.
 */
@Injectable()
export class AlertRuleStore implements OnModuleInit {
  private readonly logger = new Logger(AlertRuleStore.name);
  private readonly rules = new Map<string, Readonly<StoredAlertRule>>();
  /** Rules registered whose save has not succeeded yet, and that save. */
  private readonly unconfirmed = new Map<string, RulesSave>();
  private readonly file: RulesFile;
  private readonly journalFile: AlertJournal;
  private writing: RulesSave | undefined;
  private queued: RulesSave | undefined;
  /** Bumped on every change of `rules`; `savedVersion` is the last one written successfully. */
  private version = 0;
  private savedVersion = 0;

  constructor(
    @Inject(STORAGE_OPTIONS) options: StorageOptions,
    @Optional() @Inject(STORAGE_FS) fs: StorageFs = nodeStorageFs,
  ) {
    const dataDir = resolve(options.dataDir);
    this.file = new RulesFile(fs, join(dataDir, 'alerts'));
    this.journalFile = new AlertJournal(fs, join(dataDir, 'alerts.jsonl'));
  }

  async onModuleInit(): Promise<void> {
    const rules = await this.file.load();
    for (const rule of rules) this.rules.set(ruleKey(rule), Object.freeze(rule));
    if (rules.length > 0)
      this.logger.log(`loaded ${rules.length} alert rules from ${this.file.path}`);
  }

  /** Copies of the registered rules (those whose save succeeded), with their checkpoints. */
  all(): StoredAlertRule[] {
    const copies: StoredAlertRule[] = [];
    for (const [key, rule] of this.rules) if (!this.unconfirmed.has(key)) copies.push({ ...rule });
    return copies;
  }

  /** Whether the rule is registered: its save succeeded. */
  isRegistered(rule: NewAlertRule): boolean {
    return this.registered(ruleKey(rule));
  }

  private registered(key: string): boolean {
    return this.rules.has(key) && !this.unconfirmed.has(key);
  }

  /**
   * Registers rules (each once) with one save for all the new ones. Resolves, per rule, to
   * undefined once it is durable, or to the error of the save that failed to store it: the rule
   * is then not registered, now or later. A rule another call registered and is still saving
   * shares that save's outcome.
   */
  async registerAll(rules: readonly NewAlertRule[], now: number): Promise<(Error | undefined)[]> {
    const keys = rules.map(ruleKey);
    const added: string[] = [];
    rules.forEach(({ id, op, secs, limit }, i) => {
      if (this.rules.has(keys[i])) return;
      // The id is kept for the server's life: no slice of a read's text.
      const rule = { id: detachedString(id), op, secs, limit };
      this.rules.set(
        keys[i],
        Object.freeze({ ...rule, registeredAt: now, checkedUpTo: now, firing: false }),
      );
      added.push(keys[i]);
    });
    if (added.length > 0) {
      this.version++;
      const save = this.requestSave();
      save.registers.push(...added);
      for (const key of added) this.unconfirmed.set(key, save);
    }
    const owners = keys.map((key) => this.unconfirmed.get(key));
    const failures = new Map<RulesSave, Error>();
    for (const save of new Set(owners)) await save?.done.catch((e: Error) => failures.set(save, e));
    return keys.map((key, i) =>
      this.registered(key)
        ? undefined
        : (failures.get(owners[i]!) ?? new Error(`alert rule ${key} was not stored`)),
    );
  }

  /**
   * Commits a check: appends its journal lines and syncs them, then moves the checkpoints and
   * saves them. If the journal fails, no checkpoint moves (the next check covers the same values
   * again); if the save fails, the checkpoints are kept in memory and saved with the next save.
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
    let moved = 0;
    for (const { rule, checkedUpTo, firing } of checkpoints) {
      const key = ruleKey(rule);
      const current = this.rules.get(key);
      // Only from the state the check read: a rule dropped or changed meanwhile stays as it is.
      if (current?.checkedUpTo !== rule.checkedUpTo || current.registeredAt !== rule.registeredAt)
        continue;
      this.rules.set(key, Object.freeze({ ...current, checkedUpTo, firing }));
      moved++;
    }
    if (moved === 0) return;
    this.version++;
    try {
      await this.requestSave().done;
    } catch (error) {
      throw new Error(
        `journaled ${journal.length} alert lines but could not save the checkpoints ` +
          `(${(error as Error).message}); they are saved with the next save`,
        { cause: error },
      );
    }
  }

  /**
   * Removes a registered rule (DELETE /api/alerts/{rule}): resolves to it once the rules file
   * without it is durable, then journals a `deleted` line (notifications resolve its alert);
   * undefined if there is no such rule. If the save fails the rule stays, and this rejects.
   */
  async remove(key: string, now: number): Promise<StoredAlertRule | undefined> {
    const rule = this.rules.get(key);
    if (!rule || this.unconfirmed.has(key)) return undefined;
    this.rules.delete(key);
    this.version++;
    try {
      await this.requestSave().done;
    } catch (error) {
      if (!this.rules.has(key)) this.rules.set(key, rule);
      this.version++;
      throw error;
    }
    await this.journalFile
      .append([deletedRuleLine(rule, now)])
      .catch((error: Error) =>
        this.logger.warn(`deleted alert rule ${key}, but could not journal it: ${error.message}`),
      );
    return { ...rule };
  }

  /** Waits for running saves; then saves if memory is ahead of the file (after a failed save). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.done.catch(() => undefined);
    if (this.version !== this.savedVersion) await this.requestSave().done;
  }

  private requestSave(): RulesSave {
    const snapshot = [...this.rules.values()];
    if (this.queued) {
      // It has not started: it writes this newer state, which includes all it was asked to save.
      this.queued.snapshot = snapshot;
      this.queued.version = this.version;
      return this.queued;
    }
    const save = new RulesSave(snapshot, this.version);
    if (this.writing) this.queued = save;
    else
      void this.run(save).catch((error: Error) =>
        this.logger.error(`alert rule saves stopped: ${error.stack ?? error.message}`),
      );
    return save;
  }

  private async run(first: RulesSave): Promise<void> {
    for (let save: RulesSave | undefined = first; save; save = this.queued) {
      this.queued = undefined;
      this.writing = save;
      try {
        await this.file.write(save.snapshot);
        this.saved(save);
        save.settle();
      } catch (error) {
        this.failed(save);
        save.settle(error as Error);
      }
    }
    this.writing = undefined;
  }

  private saved(save: RulesSave): void {
    this.savedVersion = save.version;
    for (const key of save.registers)
      if (this.unconfirmed.get(key) === save) this.unconfirmed.delete(key);
  }

  /** Its rules were answered 500: they leave memory and every snapshot not yet written. */
  private failed(save: RulesSave): void {
    const dropped = new Set(save.registers.filter((key) => this.unconfirmed.get(key) === save));
    if (dropped.size === 0) return;
    for (const key of dropped) {
      this.unconfirmed.delete(key);
      this.rules.delete(key);
    }
    this.version++;
    if (this.queued) {
      this.queued.snapshot = this.queued.snapshot.filter((rule) => !dropped.has(ruleKey(rule)));
      this.queued.version = this.version;
      return;
    }
    // The failure may have come after the rename (the directory's fsync): the file can hold the
    // dropped rules, so write it again without them rather than wait for the next save.
    this.requestSave().done.catch((error: Error) =>
      this.logger.error(
        `could not rewrite ${this.file.path} without refused rules: ${error.message}`,
      ),
    );
  }
}
