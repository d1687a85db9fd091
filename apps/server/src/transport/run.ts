import { LineRoute, ReplyReceiver } from './line-route';
import { ReplySlot } from './reply-queue';
import { Schedulable } from './run-scheduler';

/** Where a run's replies go: its connection's one handler for every run (no closure per run). */
export type RunDone = (run: Run, replies: readonly string[]) => void;

/** Consecutive commands of one verb on one connection, sent to the verb's handler together. */
export class Run implements ReplyReceiver, Schedulable {
  readonly commands: string[][] = [];
  readonly writeOnly: boolean;
  /** Its place in the reply order, reserved when the run is dispatched. */
  slot!: ReplySlot;

  constructor(
    readonly route: LineRoute,
    private readonly done: RunDone,
  ) {
    this.writeOnly = route.writeOnly;
  }

  onReplies(replies: readonly string[]): void {
    this.done(this, replies);
  }
}
