/**
 * Calls `onStop` on the first SIGTERM or SIGINT (graceful: the mode finishes what is in flight
 * and exits 0). A second signal exits at once with code 1, for an operator who will not wait.
 * Returns a function that removes the handlers.
 */
export function onStopSignals(onStop: (signal: NodeJS.Signals) => void): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) return onStop(signal);
    process.stderr.write(`second ${signal}: exiting without waiting\n`);
    process.exit(1);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
