/** What a connection needs from the server to run commands. */
export interface CommandExecutor {
  /** Whether `verb` is a command of the protocol with a handler. */
  canRoute(verb: string): boolean;
  /**
   * Runs consecutive commands of one verb (their arguments, verb excluded) and resolves with one
   * reply line per command, in order, without newlines.
   */
  execute(verb: string, commands: string[][]): Promise<string[]>;
}

/** Verbs that only write: consecutive runs of them may overlap (they are group-committed). */
export const WRITE_ONLY_VERBS: ReadonlySet<string> = new Set(['LOG']);
