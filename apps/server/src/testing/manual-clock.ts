import type { Clock } from '@app/persistence';

/** A clock that moves only when the test says so: stamps, windows and checks become exact. */
export class ManualClock implements Clock {
  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
