import { Socket } from 'node:net';
import { Replies } from '@app/protocol';
import { isWellFormedVerb, tokenizeLine } from './command-line';
import { ConnectionState, handsOutLines } from './connection-state';
import { LineRoute, LineRouter } from './line-route';
import { LineSplitter, SplitResult } from './line-splitter';
import { endWithLinger } from './linger';
import { InFlightCounter, RunPipeline } from './run-pipeline';
import { TransportOptions } from './transport-options';

/** Commands one connection may have in flight before it stops reading (TCP back-pressure). */
export const CONNECTION_WINDOW = 1024;

/**
 * One client connection: frames lines, groups consecutive commands of one verb into a run (one
 * handler call), keeps replies in order and writes every ready reply in one write. Its life is one
 * `state` (see ConnectionState); every event handler does its part, then `settle` takes the
 * transition the state calls for. Runs complete asynchronously, so nothing here is re-entered.
 */
export class LineConnection {
  private state: ConnectionState = 'reading';
  private readonly splitter: LineSplitter;
  private readonly runs: RunPipeline;
  /** Resolves drain() once everything read is answered. */
  private onDrained: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly router: LineRouter,
    private readonly counter: InFlightCounter,
    private readonly options: TransportOptions,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes);
    this.runs = new RunPipeline(counter, () => this.settle());
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.settle());
    socket.on('timeout', () => this.onTimeout());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  get currentState(): ConnectionState {
    return this.state;
  }

  /** Shutdown: reads nothing more; resolves once every command already read is answered. */
  drain(): Promise<void> {
    if (handsOutLines(this.state)) {
      this.state = 'draining';
      this.socket.pause();
    }
    return new Promise((resolve) => {
      this.onDrained = resolve;
      this.settle();
    });
  }

  /** Executes nothing more; FIN once the replies of what is running are written. */
  close(): void {
    this.enterClosing();
    this.settle();
  }

  private onData(chunk: Buffer): void {
    // Reading on after the input is over only so that closing never sends a reset: dropped.
    if (this.state !== 'reading' && this.state !== 'paused') return;
    this.afterSplit(this.splitter.push(chunk, this.onLine));
    this.settle();
  }

  private onEnd(): void {
    if (this.state !== 'reading' && this.state !== 'paused') return;
    this.state = 'finishing';
    this.settle();
  }

  private onTimeout(): void {
    if (!this.runs.isAnswered) {
      this.socket.setTimeout(this.options.idleTimeoutMs); // busy, not idle: wait again
      return;
    }
    this.close();
  }

  private onClose(): void {
    this.state = 'closed';
    this.settle();
  }

  private readonly onLine = (buf: Buffer, start: number, end: number): boolean => {
    const tokens = tokenizeLine(buf, start, end);
    const route = this.routeOf(tokens?.[0]);
    if (tokens === undefined || route === undefined) {
      this.runs.answerAtOnce(Replies.unknownCommand);
    } else if (this.counter.inFlight >= this.options.maxInFlight) {
      this.runs.answerAtOnce(Replies.busy);
      this.counter.refusedBusy?.();
    } else {
      this.runs.add(route, tokens.slice(1));
    }
    // Back-pressure: too many commands in flight, or a client that does not read its replies.
    return this.runs.inFlight < CONNECTION_WINDOW && !this.socket.writableNeedDrain;
  };

  /** The route of a line's verb: the open run's if it is the same verb (routed when it began). */
  private routeOf(verb: string | undefined): LineRoute | undefined {
    if (verb === undefined) return undefined;
    const open = this.runs.openRoute;
    if (open !== undefined && verb === open.verb) return open;
    return isWellFormedVerb(verb) ? this.router.route(verb) : undefined;
  }

  private afterSplit(result: SplitResult): void {
    this.runs.dispatch();
    if (result === 'too-long') {
      this.runs.answerAtOnce(Replies.lineTooLong);
      this.enterClosing();
    } else if (result === 'stopped') {
      this.pauseReading();
    }
  }

  /**
   * Brings the connection to rest after any event: hands out lines already read while the window
   * has room, writes every ready reply in one write, then takes the transition the state calls for.
   */
  private settle(): void {
    this.writeReady();
    if (this.splitter.hasUnread && handsOutLines(this.state) && this.hasRoom()) {
      this.afterSplit(this.splitter.resume(this.onLine));
      this.writeReady();
    }
    switch (this.state) {
      case 'paused':
        if (!this.splitter.hasUnread && this.hasRoom()) {
          this.state = 'reading';
          this.socket.resume();
        }
        return;
      case 'finishing':
        if (this.splitter.hasUnread) return;
        // Everything before the client's FIN is handed out: now its final line, if any.
        this.state = 'closing';
        this.afterSplit(this.splitter.finish(this.onLine));
        this.writeReady();
        if (this.runs.isAnswered) this.linger();
        return;
      case 'draining':
        if (this.runs.isAnswered && !this.splitter.hasUnread) this.notifyDrained();
        return;
      case 'closing':
        if (this.runs.isAnswered) this.linger();
        return;
      case 'lingering':
      case 'closed':
        this.notifyDrained();
        return;
    }
  }

  /** Resuming needs half the window free, so a busy client is not paused and resumed per reply. */
  private hasRoom(): boolean {
    return this.runs.inFlight < CONNECTION_WINDOW / 2 && !this.socket.writableNeedDrain;
  }

  private pauseReading(): void {
    if (this.state !== 'reading') return;
    this.state = 'paused';
    this.socket.pause();
  }

  private writeReady(): void {
    const text = this.runs.takeReady();
    // Replies for a socket that is gone are dropped: nothing could deliver them.
    if (text !== '' && this.socket.writable && !this.socket.write(text)) this.pauseReading();
  }

  private enterClosing(): void {
    if (this.state === 'lingering' || this.state === 'closed') return;
    this.state = 'closing';
    this.socket.resume(); // input is dropped from now on (onData), never left unread
  }

  private linger(): void {
    this.state = 'lingering';
    endWithLinger(this.socket);
    this.notifyDrained();
  }

  private notifyDrained(): void {
    const resolve = this.onDrained;
    this.onDrained = undefined;
    resolve?.();
  }
}
