/** Exponential back-off between connection attempts. */
export interface BackoffOptions {
  /** Ceiling of the first delay. */
  baseMs: number;
  /** Growth of the ceiling per consecutive failure. */
  factor: number;
  /** Largest ceiling, however many failures. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, factor: 2, maxMs: 10_000 };

/**
 * The delay before retry number `attempt` (0 for the first retry): "full jitter", a uniform
 * draw in [0, min(max, base * factor^attempt)). The jitter matters when the server restarts:
 * every replica of the client lost its connection at the same instant, and without it they
 * would all come back at the same instant too, again and again.
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  options: BackoffOptions,
): number {
  // min() before any overflow matters: factor^attempt may be Infinity, the ceiling never is.
  const ceiling = Math.min(options.maxMs, options.baseMs * options.factor ** Math.max(attempt, 0));
  return Math.floor(random() * ceiling);
}
