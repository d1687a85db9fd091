/**
 * Signals this close to the first one are the same request delivered twice, not an operator's
 * second Ctrl-C: GNU `timeout` (and a shell killing a job) signals the child and then its whole
 * process group, so `timeout 60 pulse-client load` receives SIGTERM twice within microseconds.
 */
export const SAME_SIGNAL_WINDOW_MS = 250;

export interface StopSignalOptions {
  /** Milliseconds since any fixed point (injectable for tests). */
  now?: () => number;
  /** How a second signal ends the process (injectable for tests). */
  exit?: (code: number) => void;
}

/**
 * Calls `onStop` on the first SIGTERM or SIGINT (graceful: the mode finishes what is in flight
 * and exits 0). A second signal, more than SAME_SIGNAL_WINDOW_MS after the first, exits at once
 * with code 1, for an operator who will not wait. Returns a function that removes the handlers
 * if no signal came; once stopping, they stay for the rest of the process's life, so that a
 * repeated delivery arriving after the drain does not kill it with the default action.
 */
export function onStopSignals(
  onStop: (signal: NodeJS.Signals) => void,
  { now = () => performance.now(), exit = (code) => process.exit(code) }: StopSignalOptions = {},
): () => void {
  let first: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = now();
      return onStop(signal);
    }
    if (now() - first <= SAME_SIGNAL_WINDOW_MS) return;
    process.stderr.write(`second ${signal}: exiting without waiting\n`);
    exit(1);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    if (first !== undefined) return;
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
