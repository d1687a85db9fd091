import { Logger } from '@nestjs/common';
import { JsonLinesFile } from '../io/json-lines-file';
import type { StorageFs } from '../io/storage-fs';

/** One line of deletions.jsonl: the metric's values stamped up to `upTo` are deleted. */
interface DeletionLine {
  id: string;
  upTo: number;
}

const isDeletionLine = (line: unknown): line is DeletionLine =>
  typeof line === 'object' &&
  line !== null &&
  typeof (line as DeletionLine).id === 'string' &&
  Number.isFinite((line as DeletionLine).upTo);

/**
 * Deleted metrics (DELETE /api/metrics/{id}) as marks: every value of the metric stamped at or
 * before its mark is gone. Like retention, a mark is applied when values are read (at once, while
 * the values are still in heads, blocks and the WAL) and on disk by compaction. The marks are
 * appended to deletions.jsonl and synced before a deletion is answered; a later LOG starts the
 * metric anew (its stamps are after the mark).
 */
export class DeletionMarks {
  private readonly logger = new Logger('FileManager');
  private readonly marks = new Map<string, number>();
  private readonly file: JsonLinesFile;

  constructor(
    private readonly fs: StorageFs,
    readonly path: string,
  ) {
    this.file = new JsonLinesFile(fs, path);
  }

  /** Reads the marks; a line that does not parse (a torn last append) is skipped and logged. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = (await this.fs.readFile(this.path)).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (!isDeletionLine(parsed)) throw new Error('not a deletion');
        this.marks.set(parsed.id, Math.max(parsed.upTo, this.marks.get(parsed.id) ?? -Infinity));
      } catch {
        skipped++;
      }
    }
    if (skipped > 0) this.logger.warn(`skipped ${skipped} unreadable lines of ${this.path}`);
  }

  /** The stamp up to which the metric's values are deleted (-Infinity: none are). */
  upTo(id: string): number {
    return this.marks.get(id) ?? -Infinity;
  }

  /** Every mark, for compaction (which drops the values under them). */
  all(): ReadonlyMap<string, number> {
    return this.marks;
  }

  get size(): number {
    return this.marks.size;
  }

  /** Deletes the metric's values stamped up to `upTo`; resolves once the mark is durable. */
  async mark(id: string, upTo: number): Promise<void> {
    await this.file.append([{ id, upTo } satisfies DeletionLine]);
    this.marks.set(id, Math.max(upTo, this.upTo(id)));
  }
}
