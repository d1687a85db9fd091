type Listener = (error: unknown) => void;

/**
 * The process the server runs in. Under Jest, `process` in a test is a copy whose listeners Node
 * never calls: unhandled rejections reach the real process, where Jest's circus runner listens
 * (and fails the whole test at its end, too late to tell which step crashed). The runner keeps
 * the real one in its state on the global object; elsewhere `process` is the real one.
 */
function realProcess(): NodeJS.Process {
  const key = Object.getOwnPropertySymbols(globalThis).find(
    (symbol) => symbol.description === 'JEST_STATE_SYMBOL',
  );
  const state = key && (globalThis as Record<symbol, { parentProcess?: NodeJS.Process }>)[key];
  return state?.parentProcess ?? process;
}

/** Calls `onCrash` for every unhandled rejection or uncaught exception; returns how to stop. */
export function watchCrashes(onCrash: Listener): () => void {
  const target = realProcess();
  target.on('unhandledRejection', onCrash);
  target.on('uncaughtException', onCrash);
  return () => {
    target.off('unhandledRejection', onCrash);
    target.off('uncaughtException', onCrash);
  };
}
