import { Clock, TimerHandle } from '../load/clock';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/** Lets every pending promise continuation run (a real macrotask turn). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A manual clock for specs: time moves only in advance(), which fires due timers in order
 * (earliest first, then in creation order) and lets promises settle after each one, so code
 * that awaits between timers behaves as it would in real time, minus the waiting.
 */
export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    this.seq += 1;
    this.timers.set(this.seq, { at: this.time + Math.max(ms, 0), seq: this.seq, callback });
    return this.seq;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (let next = this.nextDue(target); next; next = this.nextDue(target)) {
      this.timers.delete(next.seq);
      this.time = next.at;
      next.callback();
      await settle();
    }
    this.time = target;
    await settle();
  }

  private nextDue(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.at > limit) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) {
        best = timer;
      }
    }
    return best;
  }
}
