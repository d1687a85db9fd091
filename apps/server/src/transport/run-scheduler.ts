/** What the scheduler needs to know of a run: whether its verb only writes. */
export interface Schedulable {
  readonly writeOnly: boolean;
}

/**
 * Decides which runs of one connection may start, in the order they were read (pure: no I/O, no
 * timers, no allocation per run beyond its place in the queue). Runs of write-only verbs may
 * overlap each other: they are group-committed, and their replies are put back in order anyway.
 * Any other run waits for every run before it, and every run waits for the other runs before it
 * that are not write-only: a QUERY sees the LOGs sent before it, and a LOG never overtakes it.
 */
export class RunScheduler<T extends Schedulable> {
  /** Admitted runs not started yet, oldest first, from `head` on. */
  private waiting: (T | undefined)[] = [];
  private head = 0;
  private runningWrites = 0;
  private runningOthers = 0;

  /** Runs started and not finished. */
  get running(): number {
    return this.runningWrites + this.runningOthers;
  }

  /** Runs admitted and not started yet. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Admits the next run read: true if it may start now (it then counts as running), false if it
   * must wait for runs before it (`next` hands it out once it may start).
   */
  admit(run: T): boolean {
    if (this.head === this.waiting.length && this.mayStart(run)) {
      this.markStarted(run);
      return true;
    }
    this.waiting.push(run);
    return false;
  }

  /** Records that a running run finished. Call `next` afterwards: a waiting run may start. */
  finish(run: T): void {
    if (run.writeOnly) this.runningWrites--;
    else this.runningOthers--;
  }

  /** The oldest waiting run if it may start now (it then counts as running), else undefined. */
  next(): T | undefined {
    if (this.head === this.waiting.length) return undefined;
    const run = this.waiting[this.head] as T;
    if (!this.mayStart(run)) return undefined;
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    this.markStarted(run);
    return run;
  }

  private mayStart(run: T): boolean {
    return this.runningOthers === 0 && (run.writeOnly || this.runningWrites === 0);
  }

  private markStarted(run: T): void {
    if (run.writeOnly) this.runningWrites++;
    else this.runningOthers++;
  }
}
