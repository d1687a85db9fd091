/**
 * What a handler declares about its verb, as the extras of its pattern:
 * `@MessagePattern('LOG', { batched: true, writeOnly: true } satisfies LinePatternExtras)`.
 * The transport reads them from Nest's handler metadata; it knows no verb by name.
 */
export interface LinePatternExtras {
  /**
   * The runs of this verb from all connections in one event-loop turn may go to the handler as
   * one call. Only for handlers whose replies do not depend on how commands are grouped: a LOG's
   * reply depends on its own arguments and on whether storing succeeded, never on other LOGs.
   */
  batched?: boolean;
  /**
   * The verb only writes: consecutive runs of it on one connection may overlap (they are
   * group-committed, and replies are put back in order anyway). Anything else waits its turn.
   */
  writeOnly?: boolean;
}

/** Receives the replies of a run: one line per command, in order, without newlines. */
export interface ReplyReceiver {
  onReplies(replies: readonly string[]): void;
}

/** A verb with a handler, and how its runs are scheduled and executed. */
export interface LineRoute {
  readonly verb: string;
  readonly writeOnly: boolean;
  /**
   * Runs consecutive commands of this verb (their arguments, verb excluded) and hands `receiver`
   * one reply per command, always later, never during this call; a failed handler gives
   * `500 Internal Server Error` for each. A receiver object rather than a promise or a closure:
   * this runs for every request, and three promises cost more than the rest of the dispatch.
   */
  execute(commands: string[][], receiver: ReplyReceiver): void;
}

/** What a connection needs from the server: the route of a verb, if it has one. */
export interface LineRouter {
  route(verb: string): LineRoute | undefined;
}
