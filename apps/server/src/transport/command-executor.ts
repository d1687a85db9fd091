/** What a connection needs from the server to run commands. */
export interface CommandExecutor {
  /** Whether `verb` is a command of the protocol with a handler. */
  canRoute(verb: string): boolean;
  /**
   * Runs consecutive commands of one verb (their arguments, verb excluded) and calls `done` once
   * with one reply line per command, in order, without newlines. A callback rather than a promise:
   * this runs for every request, and three promises each cost more than the rest of the dispatch.
   */
  execute(verb: string, commands: string[][], done: ReplyCallback): void;
}

/** Receives the replies of a run; a failed run gets `500 Internal Server Error` for each command. */
export type ReplyCallback = (replies: readonly string[]) => void;

/** Verbs that only write: consecutive runs of them may overlap (they are group-committed). */
export const WRITE_ONLY_VERBS: ReadonlySet<string> = new Set(['LOG']);

/**
 * Verbs whose runs from all connections in one event-loop turn go to their handler as one call.
 * Only for handlers whose replies do not depend on how commands are grouped: a LOG's reply
 * depends on its own arguments and on whether storing succeeded, never on other LOGs.
 */
export const BATCHED_VERBS: ReadonlySet<string> = new Set(['LOG']);
