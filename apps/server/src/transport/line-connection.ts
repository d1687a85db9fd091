import { Socket } from 'node:net';
import { Replies } from '@app/metrics';
import { CommandExecutor, WRITE_ONLY_VERBS } from './command-executor';
import { isWellFormedVerb, tokenizeLine } from './command-line';
import { LineSplitter, SplitResult } from './line-splitter';
import { ReplyQueue } from './reply-queue';
import { TransportOptions } from './transport-options';

/** Commands one connection may have in flight before it stops reading (TCP back-pressure). */
export const CONNECTION_WINDOW = 1024;
/** How long a closing connection waits for the client's FIN before it is destroyed. */
const LINGER_MS = 2_000;

/** The server-wide count of commands read but not yet answered. */
export interface InFlightCounter {
  inFlight: number;
}

interface Run {
  verb: string;
  commands: string[][];
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
  private inFlight = 0;
  /** Settles when every run so far is done; and when the last non-LOG run is done. */
  private allDone: Promise<unknown> = Promise.resolve();
  private readsDone: Promise<unknown> = Promise.resolve();
  private lastVerb = '';
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
    if (!verb || !isWellFormedVerb(verb) || !this.executor.canRoute(verb)) {
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
    (this.run ??= { verb, commands: [] }).commands.push(tokens.slice(1));
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

  /** Sends the current run to its handler. Reads wait for earlier runs; LOG runs may overlap. */
  private dispatchRun(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    const slot = this.queue.reserve(run.commands.length);
    const overlaps = WRITE_ONLY_VERBS.has(run.verb) && WRITE_ONLY_VERBS.has(this.lastVerb);
    const before = overlaps ? this.readsDone : this.allDone;
    this.lastVerb = run.verb;
    const done = before
      .then(() => this.executor.execute(run.verb, run.commands))
      .catch(() => run.commands.map(() => Replies.internalError))
      .then((replies) => {
        this.queue.complete(slot, replies);
        this.flush();
      });
    this.allDone = Promise.all([this.allDone, done]);
    if (!WRITE_ONLY_VERBS.has(run.verb)) this.readsDone = this.allDone;
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
