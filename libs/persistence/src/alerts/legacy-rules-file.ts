import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { StorageFs } from '../io/storage-fs';
import { isStoredRule } from './alert-rule';
import type { StoredAlertRule } from './alert-rule';

const RULES_VERSION = 1;

/**
 * alerts/rules.json, where releases before the rules log kept every rule with its checkpoint
 * (`{"version":1,"rules":[...]}`, replaced whole on each save). Only read now: the first start
 * of this release migrates it to rules.log and removes it, with the leftovers of its saves.
 */
export class LegacyRulesFile {
  private readonly logger = new Logger('AlertRuleStore');
  readonly path: string;
  /** The file and the leftovers of its saves (the previous version, an unfinished write). */
  readonly paths: string[];

  constructor(
    private readonly fs: StorageFs,
    dir: string,
  ) {
    this.path = join(dir, 'rules.json');
    this.paths = [this.path, `${this.path}.prev`, `${this.path}.tmp`];
  }

  /**
   * The stored rules; undefined if there is no file. An unreadable file is kept aside as
   * *.corrupt (its saves were atomic, so that is damage from outside) and reads as no rules.
   */
  async load(): Promise<StoredAlertRule[] | undefined> {
    let text: string;
    try {
      text = (await this.fs.readFile(this.path)).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as { version: number; rules: unknown[] };
      if (parsed.version !== RULES_VERSION) throw new Error(`unknown version ${parsed.version}`);
      if (!Array.isArray(parsed.rules) || !parsed.rules.every(isStoredRule))
        throw new Error('a rule is malformed');
      return parsed.rules;
    } catch (error) {
      await this.fs.rename(this.path, `${this.path}.corrupt`);
      this.logger.error(
        `dropped unreadable alert rules ${this.path} (${(error as Error).message}); ` +
          `kept as ${this.path}.corrupt`,
      );
      return [];
    }
  }
}
