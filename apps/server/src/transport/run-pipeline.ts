import { LineRoute } from './line-route';
import { ReplyQueue } from './reply-queue';
import { Run } from './run';
import { RunScheduler } from './run-scheduler';

/** The server-wide count of commands read but not yet answered. */
export interface InFlightCounter {
  inFlight: number;
  /** Told of each command answered `503` because too many were in flight (for /metrics). */
  refusedBusy?(): void;
}

/**
 * The commands of one connection, from the line read to its reply (no sockets): gathers
 * consecutive commands of one verb into a run (one handler call), starts each run when the
 * RunScheduler allows, and hands out replies in the order the commands arrived.
 */
export class RunPipeline {
  private readonly queue = new ReplyQueue();
  private readonly scheduler = new RunScheduler<Run>();
  /** The run being gathered; the caller dispatches it before it waits for anything. */
  private run: Run | undefined;
  /** Commands added and not yet taken with their reply. */
  inFlight = 0;

  /** `onRunDone` is called (never during a call to this pipeline) whenever a run completed. */
  constructor(
    private readonly counter: InFlightCounter,
    private readonly onRunDone: () => void,
  ) {}

  /** Every command added has been answered and its reply taken. */
  get isAnswered(): boolean {
    return this.inFlight === 0 && this.queue.isEmpty;
  }

  /** The route of the run being gathered, if any. */
  get openRoute(): LineRoute | undefined {
    return this.run?.route;
  }

  /** Adds a command (its arguments) to the open run, or to a new one if its verb differs. */
  add(route: LineRoute, args: string[]): void {
    if (this.run !== undefined && this.run.route !== route) this.dispatch();
    (this.run ??= new Run(route, this.finishRun)).commands.push(args);
    this.inFlight++;
    this.counter.inFlight++;
  }

  /** A reply known at once (unknown command, busy, line too long), after those before it. */
  answerAtOnce(reply: string): void {
    this.dispatch();
    this.queue.pushReady(reply);
  }

  /** Reserves the open run's place in the reply order, and starts it unless it must wait. */
  dispatch(): void {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    run.slot = this.queue.reserve(run.commands.length);
    if (this.scheduler.admit(run)) run.route.execute(run.commands, run);
  }

  /** Every reply ready at the head, as one text ('' if none). */
  takeReady(): string {
    const { text, answered } = this.queue.takeReady();
    this.inFlight -= answered;
    this.counter.inFlight -= answered;
    return text;
  }

  private readonly finishRun = (run: Run, replies: readonly string[]): void => {
    this.queue.complete(run.slot, replies);
    this.scheduler.finish(run);
    for (let next = this.scheduler.next(); next !== undefined; next = this.scheduler.next()) {
      next.route.execute(next.commands, next);
    }
    this.onRunDone();
  };
}
