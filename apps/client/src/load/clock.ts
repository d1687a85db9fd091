/** An opaque timer handle (a Node Timeout for the system clock, a number for a fake one). */
export type TimerHandle = unknown;

/**
 * Time as the load loop sees it. Injected so specs drive the loop with a fake clock: back-off,
 * pauses and summaries are checked to the millisecond without sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
