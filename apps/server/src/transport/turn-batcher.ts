import { ReplyReceiver } from './line-route';
import { internalErrors, repliesFor } from './run-replies';

type Runner = (commands: string[][]) => Promise<unknown>;

/**
 * Gathers the runs of one verb that every connection submits during one event-loop turn into a
 * single handler call, made once the turn's I/O callbacks have run (setImmediate). With many
 * clients each sending one LOG at a time, this turns the per-call cost of Nest's dispatch and of
 * the storage's append into a per-turn cost, and hands the group commit a whole turn at once.
 */
export class TurnBatcher {
  private commands: string[][] = [];
  /** Per submitted run: its receiver, and where its commands start in `commands`. */
  private receivers: ReplyReceiver[] = [];
  private starts: number[] = [];
  private scheduled = false;

  /** `report` is told of a receiver that threw; the other runs of the batch are answered anyway. */
  constructor(
    private readonly runner: Runner,
    private readonly report: (error: unknown) => void,
  ) {}

  /** Hands `receiver` the replies to `commands`, in order, once the turn's batch has run. */
  submit(commands: readonly string[][], receiver: ReplyReceiver): void {
    this.starts.push(this.commands.length);
    this.receivers.push(receiver);
    for (let i = 0; i < commands.length; i++) this.commands.push(commands[i]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.runBatch);
    }
  }

  private readonly runBatch = (): void => {
    const { commands, receivers, starts } = this;
    this.commands = [];
    this.receivers = [];
    this.starts = [];
    this.scheduled = false;
    this.runner(commands).then(
      (replies) => this.deliver(repliesFor(replies, commands.length), receivers, starts),
      () => this.deliver(internalErrors(commands.length), receivers, starts),
    );
  };

  /** Never throws: what a receiver throws is reported, and the next receivers still get theirs. */
  private deliver(replies: readonly string[], receivers: ReplyReceiver[], starts: number[]): void {
    for (let i = 0; i < receivers.length; i++) {
      const end = i + 1 < starts.length ? starts[i + 1] : replies.length;
      try {
        receivers[i].onReplies(receivers.length === 1 ? replies : replies.slice(starts[i], end));
      } catch (error) {
        this.report(error);
      }
    }
  }
}
