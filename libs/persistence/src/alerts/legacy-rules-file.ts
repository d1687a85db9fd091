import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { StorageFile, StorageFs } from '../io/storage-fs';
import type { StoredAlertRule } from './alert-rule';

const RULES_VERSION = 1;
const OPS = new Set(['AVG', 'MAX', 'MIN', 'COUNT']);

const isRule = (r: StoredAlertRule): boolean =>
  typeof r === 'object' &&
  r !== null &&
  typeof r.id === 'string' &&
  OPS.has(r.op) &&
  [r.secs, r.limit, r.registeredAt, r.checkedUpTo].every(Number.isFinite) &&
  typeof r.firing === 'boolean';

/**
 * alerts/rules.json: every rule with its checkpoint. Replaced atomically (temporary file, fsync,
 * rename, fsync of the directory), so a crash leaves either the old or the new version.
 *
 * The version being replaced keeps a second name, rules.json.prev (a hard link), until the new
 * one is durable: if the directory fsync fails after the rename, the save is reported failed
 * (its NEW-ALERTs are answered 500), so the new version must not stay in place. Renaming the
 * previous version back undoes it without writing or syncing a file, which a failing disk may
 * no longer allow.
 */
export class RulesFile {
  private readonly logger = new Logger('AlertRuleStore');
  readonly path: string;

  constructor(
    private readonly fs: StorageFs,
    private readonly dir: string,
  ) {
    this.path = join(dir, 'rules.json');
  }

  /** The stored rules; none if there is no file. An unreadable file is kept aside as *.corrupt. */
  async load(): Promise<StoredAlertRule[]> {
    await this.fs.mkdir(this.dir);
    let text: string;
    try {
      text = (await this.fs.readFile(this.path)).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as { version: number; rules: StoredAlertRule[] };
      if (parsed.version !== RULES_VERSION) throw new Error(`unknown version ${parsed.version}`);
      if (!Array.isArray(parsed.rules) || !parsed.rules.every(isRule))
        throw new Error('a rule is malformed');
      return parsed.rules;
    } catch (error) {
      // Writes are atomic, so this is damage from outside: keep the file aside and serve on.
      await this.fs.rename(this.path, `${this.path}.corrupt`);
      this.logger.error(
        `dropped unreadable alert rules ${this.path} (${(error as Error).message}); ` +
          `kept as ${this.path}.corrupt`,
      );
      return [];
    }
  }

  /** Replaces the file with these rules; resolves once the new version is durable. */
  async write(rules: readonly StoredAlertRule[]): Promise<void> {
    const bytes = Buffer.from(JSON.stringify({ version: RULES_VERSION, rules }));
    const temporary = `${this.path}.tmp`;
    const file = await this.fs.open(temporary, 'create');
    try {
      await writeWhole(file, bytes);
      await file.sync();
    } catch (error) {
      await file.close().catch(() => undefined); // the write's error is the one to report
      throw error;
    }
    await file.close();
    const kept = await this.keepPrevious();
    await this.fs.rename(temporary, this.path);
    try {
      await this.fs.syncDirectory(this.dir);
    } catch (error) {
      await this.undoReplace(kept);
      throw error;
    }
  }

  private get previousPath(): string {
    return `${this.path}.prev`;
  }

  /** Links the current version as rules.json.prev; false if there is none yet. */
  private async keepPrevious(): Promise<boolean> {
    await this.fs.unlink(this.previousPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    try {
      await this.fs.link(this.path, this.previousPath);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Puts the previous version (or no file) back in place of one whose save failed. */
  private async undoReplace(kept: boolean): Promise<void> {
    try {
      if (kept) await this.fs.rename(this.previousPath, this.path);
      else await this.fs.unlink(this.path);
    } catch (error) {
      this.logger.error(
        `could not put back the previous ${this.path} after a failed save ` +
          `(rules answered 500 may be active after a restart): ${(error as Error).message}`,
      );
    }
  }
}

async function writeWhole(file: StorageFile, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const written = await file.write(bytes, at, bytes.length - at, at);
    if (written === 0) {
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file.path}'`), {
        code: 'ENOSPC',
      });
    }
    at += written;
  }
}
