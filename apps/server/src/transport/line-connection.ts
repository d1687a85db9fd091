import { Socket } from 'node:net';
import { Replies } from '@app/protocol';
import { CommandExecutor, WRITE_ONLY_VERBS } from './command-executor';
import { isWellFormedVerb, tokenizeLine } from './command-line';
import { LineSplitter, SplitResult } from './line-splitter';
import { ReplyQueue, ReplySlot } from './reply-queue';
import { TransportOptions } from './transport-options';

/** Commands one connection may have in flight before it stops reading (TCP back-pressure). */
export const CONNECTION_WINDOW = 1024;
/** How long a closing connection waits for the client's FIN before it is destroyed. */
const LINGER_MS = 2_000;

/** The server-wide count of commands read but not yet answered. */
export interface InFlightCounter {
  inFlight: number;
}

/** Consecutive commands of one verb, sent to the handler together. */
class Run {
  readonly commands: string[][] = [];
  /** Runs of write-only verbs may overlap each other; see LineConnection.canStart. */
  readonly writeOnly: boolean;
  /** Its place in the reply order, reserved when the run is dispatched. */
  slot: ReplySlot | undefined;

  constructor(readonly verb: string) {
    this.writeOnly = WRITE_ONLY_VERBS.has(verb);
  }
}

/**
 * One client connection: frames lines, groups consecutive commands of one verb into a run (one
 * handler call), keeps replies in order and writes every ready reply in one write. Stops reading
 * while it has CONNECTION_WINDOW commands in flight or its socket's write buffer is full.
 */
export class LineConnection {
  private readonly splitter: LineSplitter;
  private readonly queue = new ReplyQueue();
  private run: Run | undefined;
  /** Dispatched runs not started yet, oldest first (they wait for runs before them). */
  private readonly waiting: Run[] = [];
  private runningWrites = 0;
  private runningReads = 0;
  private inFlight = 0;
  private paused = false;
  private inputEnded = false;
  private closing = false;
  private draining = false;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly executor: CommandExecutor,
    private readonly counter: InFlightCounter,
    private readonly options: TransportOptions,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes);
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.maybeResume());
    socket.on('timeout', () => this.onTimeout());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onIdle?.());
  }

  /** Stops reading; resolves once every command already received is answered (or the socket closed). */
  drain(): Promise<void> {
    this.draining = true;
    this.pauseReading();
    this.processUnread();
    return new Promise((resolve) => {
      this.onIdle = resolve;
      this.checkFinished();
    });
  }

  /** Ends the connection after the replies written so far (used after draining). */
  close(): void {
    this.closeGracefully();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return; // reading on only so that closing never sends a reset
    this.afterSplit(this.splitter.push(chunk, this.onLine));
  }

  private readonly onLine = (buf: Buffer, start: number, end: number): boolean => {
    const tokens = tokenizeLine(buf, start, end);
    const verb = tokens?.[0];
    // A verb equal to the open run's was checked when that run began.
    const routable =
      verb !== undefined &&
      (verb === this.run?.verb || (isWellFormedVerb(verb) && this.executor.canRoute(verb)));
    if (!tokens || !routable) {
      this.dispatchRun();
      this.queue.pushReady(Replies.unknownCommand);
      return true;
    }
    if (this.counter.inFlight >= this.options.maxInFlight) {
      this.dispatchRun();
      this.queue.pushReady(Replies.busy);
      return true;
    }
    if (this.run && this.run.verb !== verb) this.dispatchRun();
    (this.run ??= new Run(verb)).commands.push(tokens.slice(1));
    this.inFlight++;
    this.counter.inFlight++;
    return !this.mustStopReading();
  };

  /** Back-pressure: too many commands in flight, or a client that does not read its replies. */
  private mustStopReading(): boolean {
    return this.inFlight >= CONNECTION_WINDOW || this.socket.writableNeedDrain;
  }

  private pauseReading(): void {
    if (this.paused) return;
    this.socket.pause();
    this.paused = true;
  }

  private afterSplit(result: SplitResult): void {
    this.dispatchRun();
    if (result === 'too-long') {
      this.queue.pushReady(Replies.lineTooLong);
      this.closing = true;
    } else if (result === 'stopped') {
      this.pauseReading();
    }
    this.flush();
  }

  /** Sends the current run to its handler, or queues it behind the runs it must wait for. */
  private dispatchRun(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    run.slot = this.queue.reserve(run.commands.length);
    if (this.waiting.length === 0 && this.canStart(run)) this.start(run);
    else this.waiting.push(run);
  }

  /**
   * Runs of write-only verbs may overlap each other (they are group-committed, and replies are
   * put back in order anyway); any other run waits for every run before it, and every run waits
   * for the reads before it: a QUERY sees the LOGs sent before it.
   */
  private canStart(run: Run): boolean {
    return this.runningReads === 0 && (run.writeOnly || this.runningWrites === 0);
  }

  private start(run: Run): void {
    if (run.writeOnly) this.runningWrites++;
    else this.runningReads++;
    this.executor.execute(run.verb, run.commands, (replies) => this.finishRun(run, replies));
  }

  private finishRun(run: Run, replies: readonly string[]): void {
    if (run.writeOnly) this.runningWrites--;
    else this.runningReads--;
    if (run.slot) this.queue.complete(run.slot, replies);
    while (this.waiting.length > 0 && this.canStart(this.waiting[0])) {
      this.start(this.waiting.shift() as Run);
    }
    this.flush();
  }

  private flush(): void {
    const { text, answered } = this.queue.takeReady();
    this.inFlight -= answered;
    this.counter.inFlight -= answered;
    if (text && !this.socket.destroyed && this.socket.writable) {
      if (!this.socket.write(text)) this.pauseReading();
    }
    this.maybeResume();
    this.checkFinished();
  }

  private maybeResume(): void {
    if (this.closing || this.inFlight >= CONNECTION_WINDOW / 2 || this.socket.writableNeedDrain)
      return;
    if (this.splitter.hasUnread) {
      this.processUnread();
      if (this.splitter.hasUnread) return;
    }
    if (this.paused && !this.draining && !this.inputEnded) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private processUnread(): void {
    if (this.splitter.hasUnread && !this.mustStopReading() && !this.closing) {
      this.afterSplit(this.splitter.resume(this.onLine));
    }
  }

  private onEnd(): void {
    this.inputEnded = true;
    this.checkFinished();
  }

  /** Finishes the input once everything received is processed, and closes once all is answered. */
  private checkFinished(): void {
    if (this.inputEnded && !this.closing && !this.splitter.hasUnread) {
      this.closing = true;
      this.afterSplit(this.splitter.finish(this.onLine));
      return;
    }
    if (!this.queue.isEmpty || this.inFlight > 0 || this.run) return;
    if (this.closing) this.closeGracefully();
    else if (this.draining && !this.splitter.hasUnread) this.onIdle?.();
  }

  private onTimeout(): void {
    if (this.inFlight > 0 || !this.queue.isEmpty) {
      this.socket.setTimeout(this.options.idleTimeoutMs);
      return;
    }
    this.closing = true;
    this.closeGracefully();
  }

  /** FIN after the last reply; keep reading (and dropping) so the kernel never answers with RST. */
  private closeGracefully(): void {
    if (this.socket.destroyed) return;
    if (!this.socket.writableEnded) {
      this.socket.end();
      this.socket.resume();
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    }
  }
}
