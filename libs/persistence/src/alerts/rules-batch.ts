import type { StoredAlertRule } from './alert-rule';
import { encodeRecord } from './rules-log-format';
import type { RulesLogRecord } from './rules-log-format';

/**
 * One group commit of the rules log: the records of every change made while the previous commit
 * was being written, and what to undo in memory if it fails.
 */
export class RulesBatch {
  private readonly lines: string[] = [];
  /** Keys of the rules this batch registers: they exist only if it is committed. */
  readonly registers: string[] = [];
  /** Rules this batch removes: put back if it fails. */
  readonly removals = new Map<string, Readonly<StoredAlertRule>>();
  /**
   * Rules whose removal failed while this batch registered their key again: put back if this
   * batch fails too (the log still holds them).
   */
  readonly shadowed = new Map<string, Readonly<StoredAlertRule>>();
  /** Whether it moves checkpoints (memory is ahead of the log if it fails). */
  movesCheckpoints = false;
  readonly done: Promise<void>;
  settle!: (error?: Error) => void;

  constructor() {
    this.done = new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    this.done.catch(() => undefined); // every requester awaits it; none may be left unhandled
  }

  get records(): number {
    return this.lines.length;
  }

  add(record: RulesLogRecord): void {
    this.lines.push(encodeRecord(record));
  }

  bytes(): Buffer {
    return Buffer.from(this.lines.join(''));
  }

  /** The size of bytes() without making it (ids are ASCII: one byte a character). */
  byteLength(): number {
    let n = 0;
    for (const line of this.lines) n += line.length;
    return n;
  }
}
