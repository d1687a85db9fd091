import { Logger } from '@nestjs/common';
import { LinePatternExtras, LineRoute, ReplyReceiver } from './line-route';
import { internalErrors, repliesFor } from './run-replies';
import { TurnBatcher } from './turn-batcher';

/** Calls the verb's handler with a run of commands; resolves to what the handler returned. */
export type HandlerCall = (commands: string[][]) => Promise<unknown>;

/**
 * The route of one verb to its @MessagePattern handler, scheduled and batched as the handler's
 * pattern extras declare. A handler that throws or rejects gives a 500 for each of its commands
 * and is logged; the connection and the server serve on.
 */
export class HandlerRoute implements LineRoute {
  readonly writeOnly: boolean;
  private readonly batcher: TurnBatcher | undefined;

  constructor(
    readonly verb: string,
    extras: LinePatternExtras | undefined,
    private readonly call: HandlerCall,
    private readonly log: Logger,
  ) {
    this.writeOnly = extras?.writeOnly === true;
    this.batcher =
      extras?.batched === true
        ? new TurnBatcher(this.failSafeCall, (error) => this.report('delivering replies', error))
        : undefined;
  }

  execute(commands: string[][], receiver: ReplyReceiver): void {
    if (this.batcher) {
      this.batcher.submit(commands, receiver);
      return;
    }
    // No rejection handler needed: failSafeCall never rejects, and this callback never throws.
    this.failSafeCall(commands).then((result) => {
      try {
        receiver.onReplies(repliesFor(result, commands.length));
      } catch (error) {
        this.report('delivering replies', error);
      }
    });
  }

  /** The handler's result, or 500s if it threw or rejected (logged): never rejects. */
  private readonly failSafeCall = async (commands: string[][]): Promise<unknown> => {
    try {
      return await this.call(commands);
    } catch (error) {
      this.report(`its handler (${commands.length} commands)`, error);
      return internalErrors(commands.length);
    }
  };

  private report(what: string, error: unknown): void {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.log.error(`${this.verb}: ${what} failed: ${text}`);
  }
}
