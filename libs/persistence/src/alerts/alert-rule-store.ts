import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { detachedString } from '../detached-string';
import { nodeStorageFs } from '../io/node-storage-fs';
import { STORAGE_FS } from '../io/storage-fs';
import type { StorageFs } from '../io/storage-fs';
import { STORAGE_OPTIONS } from '../storage-options';
import type { StorageOptions } from '../storage-options';
import { StoredAlertRule, ruleKey } from './alert-rule';

const RULES_VERSION = 1;

/**
 * Durable alert rules and their checkpoints (alerts/rules.json), and the alert journal
 * (alerts.jsonl). The rules file is replaced atomically: temporary file, fsync, rename, fsync of
 * the directory, so a crash leaves either the old or the new version, never a mix. Saves are
 * serialised, and saves requested while one runs are folded into the next.
 */
@Injectable()
export class AlertRuleStore implements OnModuleInit {
  private readonly logger = new Logger(AlertRuleStore.name);
  private readonly rules = new Map<string, StoredAlertRule>();
  private readonly dir: string;
  private readonly rulesPath: string;
  readonly journalPath: string;
  private saving: Promise<void> | undefined;
  private saveAgain: Promise<void> | undefined;

  constructor(
    @Inject(STORAGE_OPTIONS) options: StorageOptions,
    @Optional() @Inject(STORAGE_FS) private readonly fs: StorageFs = nodeStorageFs,
  ) {
    const dataDir = resolve(options.dataDir);
    this.dir = join(dataDir, 'alerts');
    this.rulesPath = join(this.dir, 'rules.json');
    this.journalPath = join(dataDir, 'alerts.jsonl');
  }

  async onModuleInit(): Promise<void> {
    await this.fs.mkdir(this.dir);
    let text: string;
    try {
      text = (await this.fs.readFile(this.rulesPath)).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let rules: StoredAlertRule[];
    try {
      const parsed = JSON.parse(text) as { version: number; rules: StoredAlertRule[] };
      if (parsed.version !== RULES_VERSION) throw new Error(`unknown version ${parsed.version}`);
      rules = parsed.rules;
    } catch (error) {
      // Writes are atomic, so this is damage from outside: keep the file aside and serve on.
      await this.fs.rename(this.rulesPath, `${this.rulesPath}.corrupt`);
      this.logger.error(
        `dropped unreadable alert rules ${this.rulesPath} (${(error as Error).message}); ` +
          `kept as ${this.rulesPath}.corrupt`,
      );
      return;
    }
    for (const rule of rules) this.rules.set(ruleKey(rule), rule);
    this.logger.log(`loaded ${this.rules.size} alert rules from ${this.rulesPath}`);
  }

  all(): StoredAlertRule[] {
    return [...this.rules.values()];
  }

  /**
   * Stores rules (each once: a duplicate is not added again) with one save for all of them;
   * resolves once they are durable. On failure none of them is kept.
   */
  async registerAll(
    rules: readonly Omit<StoredAlertRule, 'checkedUpTo' | 'firing' | 'registeredAt'>[],
    now: number,
  ): Promise<void> {
    const added: string[] = [];
    for (const rule of rules) {
      const key = ruleKey(rule);
      if (this.rules.has(key)) continue;
      const id = detachedString(rule.id); // kept for the server's life: no slice of a read's text
      this.rules.set(key, { ...rule, id, registeredAt: now, checkedUpTo: now, firing: false });
      added.push(key);
    }
    try {
      await this.save();
    } catch (error) {
      // Not stored, so not registered: a rule answered 500 must not become active later.
      for (const key of added) this.rules.delete(key);
      throw error;
    }
  }

  /** Makes the current rules and checkpoints durable. */
  save(): Promise<void> {
    if (!this.saving) {
      this.saving = this.write().finally(() => (this.saving = undefined));
      return this.saving;
    }
    // One save is running with an older state: the next one covers every caller meanwhile.
    this.saveAgain ??= this.saving
      .catch(() => undefined)
      .then(() => {
        this.saveAgain = undefined;
        return this.save();
      });
    return this.saveAgain;
  }

  /** Appends one JSON line per entry to the journal and syncs it. */
  async journal(entries: readonly object[]): Promise<void> {
    if (entries.length === 0) return;
    const file = await this.fs.open(this.journalPath, 'append');
    try {
      await file.append(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await file.sync(true);
    } finally {
      await file.close();
    }
  }

  async flush(): Promise<void> {
    await this.saveAgain;
    await this.saving;
  }

  private async write(): Promise<void> {
    const temporary = `${this.rulesPath}.tmp`;
    const file = await this.fs.open(temporary, 'create');
    try {
      const bytes = Buffer.from(JSON.stringify({ version: RULES_VERSION, rules: this.all() }));
      for (let at = 0; at < bytes.length;) {
        const written = await file.write(bytes, at, bytes.length - at, at);
        if (written === 0) throw new Error(`ENOSPC: no space left to write ${temporary}`);
        at += written;
      }
      await file.sync();
    } finally {
      await file.close();
    }
    await this.fs.rename(temporary, this.rulesPath);
    await this.fs.syncDirectory(this.dir);
  }
}
