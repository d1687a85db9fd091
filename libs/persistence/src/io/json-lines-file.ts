import { Logger } from '@nestjs/common';
import type { StorageFile, StorageFs } from './storage-fs';

/**
 * A file of JSON lines, appended and synced (the alert journal, the metric deletions). A failed
 * append is cut back off, so a torn line never precedes the next one; appends run one at a time.
 */
export class JsonLinesFile {
  private readonly logger = new Logger(JsonLinesFile.name);
  /** A failed append could not be cut off: the next one starts on a new line. */
  private torn = false;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly fs: StorageFs,
    readonly path: string,
  ) {}

  /** Appends one line per entry; resolves once they are durable, rejects if they may not be. */
  append(entries: readonly object[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const lines = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    const appended = this.last.then(() => this.appendNow(lines));
    this.last = appended.catch(() => undefined); // each caller gets its own outcome
    return appended;
  }

  private async appendNow(lines: string): Promise<void> {
    const file = await this.fs.open(this.path, 'append');
    try {
      const size = await file.size();
      try {
        await file.append(this.torn ? `\n${lines}` : lines);
        await file.sync(true);
        this.torn = false;
      } catch (error) {
        await this.cutBack(file, size);
        throw error;
      }
    } finally {
      // Closing cannot undo a sync that succeeded, and must not hide the error of one that failed.
      await file.close().catch((error: Error) => {
        this.logger.warn(`could not close ${this.path}: ${error.message}`);
      });
    }
  }

  /** Removes what a failed append may have left, so the lines are journaled whole or not at all. */
  private async cutBack(file: StorageFile, size: number): Promise<void> {
    try {
      await file.truncate(size);
    } catch (error) {
      this.torn = true;
      this.logger.warn(
        `could not cut a failed append off ${this.path} (${(error as Error).message}); ` +
          'the next line starts on a line of its own',
      );
    }
  }
}

/** alerts.jsonl: one JSON line per firing, resolved or deleted rule. */
export class AlertJournal extends JsonLinesFile {}
