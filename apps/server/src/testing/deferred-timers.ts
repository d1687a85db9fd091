/** Timers at least this long are retry waits: they run on the test's time instead of the wall's. */
const LONG_MS = 1_000;

class DeferredTimer {
  cancelled = false;
  constructor(
    readonly due: number,
    readonly run: () => void,
  ) {}
  // The Timeout methods callers may use; a deferred timer never keeps the process alive anyway.
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
}

/**
 * Storage waits seconds before retrying a failed block write (setTimeout). A property test cannot
 * sleep that long per case, so long timeouts are deferred until the test advances its time past
 * them; short ones (libraries' own) still run on the real clock.
 */
export class DeferredTimers {
  private readonly realSet = globalThis.setTimeout;
  private readonly realClear = globalThis.clearTimeout;
  private pending: DeferredTimer[] = [];
  private now = 0;

  install(): void {
    const set = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if ((ms ?? 0) < LONG_MS) return this.realSet(fn, ms, ...args);
      const timer = new DeferredTimer(this.now + (ms ?? 0), () => fn(...args));
      this.pending.push(timer);
      return timer;
    };
    const clear = (timer: unknown) => {
      if (timer instanceof DeferredTimer) timer.cancelled = true;
      else this.realClear(timer as NodeJS.Timeout);
    };
    globalThis.setTimeout = set as unknown as typeof setTimeout;
    globalThis.clearTimeout = clear as typeof clearTimeout;
  }

  uninstall(): void {
    globalThis.setTimeout = this.realSet;
    globalThis.clearTimeout = this.realClear;
    this.pending = [];
  }

  /** Moves the test's time on and runs the deferred timers that became due, oldest first. */
  advance(ms: number): number {
    this.now += ms;
    const due = this.pending.filter((t) => !t.cancelled && t.due <= this.now);
    this.pending = this.pending.filter((t) => !t.cancelled && t.due > this.now);
    due.sort((a, b) => a.due - b.due).forEach((t) => t.run());
    return due.length;
  }

  /** Forgets every waiting timer: they belonged to a server that is gone. */
  dropAll(): void {
    this.pending = [];
  }

  /** Runs `fn` after `ms` of wall time (a watchdog); returns how to cancel it. */
  afterRealTime(ms: number, fn: () => void): () => void {
    const timer = this.realSet(fn, ms);
    return () => this.realClear(timer);
  }
}
