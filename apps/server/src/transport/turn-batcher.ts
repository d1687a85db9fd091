import { Replies } from '@app/protocol';
import { ReplyCallback } from './command-executor';

type Runner = (commands: string[][]) => Promise<string[]>;

interface Waiter {
  start: number;
  count: number;
  done: ReplyCallback;
}

/**
 * Gathers the runs of one verb that every connection submits during one event-loop turn into a
 * single handler call, made once the turn's I/O callbacks have run (setImmediate). With many
 * clients each sending one LOG at a time, this turns the per-call cost of Nest's dispatch and of
 * the storage's append into a per-turn cost, and hands the group commit a whole turn at once.
 */
export class TurnBatcher {
  private commands: string[][] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;

  constructor(private readonly runner: Runner) {}

  /** Calls `done` with the replies to `commands`, in order, once the turn's batch has run. */
  submit(commands: readonly string[][], done: ReplyCallback): void {
    const start = this.commands.length;
    for (let i = 0; i < commands.length; i++) this.commands.push(commands[i]);
    this.waiters.push({ start, count: commands.length, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.runBatch);
    }
  }

  private readonly runBatch = (): void => {
    const { commands, waiters } = this;
    this.commands = [];
    this.waiters = [];
    this.scheduled = false;
    this.runner(commands).then(
      (replies) => {
        if (waiters.length === 1) return waiters[0].done(replies);
        for (const w of waiters) w.done(replies.slice(w.start, w.start + w.count));
      },
      () => {
        for (const w of waiters) w.done(new Array<string>(w.count).fill(Replies.internalError));
      },
    );
  };
}
