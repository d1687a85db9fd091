import { CHART_USAGE, chartQueryFromWords, queryCommand } from '../chart/chart-query';
import { ChartLayout, renderChart } from '../chart/chart-renderer';
import { parseQueryResults } from '../chart/query-results';

/** What the session needs of a connection: LineClient provides it. */
export interface ManualConnection {
  send(command: string): Promise<string>;
  onClose(listener: (error: Error | undefined) => void): void;
  close(): Promise<void>;
  readonly isClosed: boolean;
}

export interface ManualSessionDeps {
  connect: () => Promise<ManualConnection>;
  /** Replies and charts (stdout). */
  print: (text: string) => void;
  /** Notices and errors (stderr): scripts piping into manual mode read only replies. */
  notice: (text: string) => void;
  chart: ChartLayout;
  /** The server's time zone, for the chart's time axis. */
  zone: string;
  /** Epoch milliseconds now: when a chart's reply arrived. */
  now: () => number;
}

/**
 * The interactive mode's logic, apart from readline: each line is a command sent as typed (the
 * server judges it), or `chart ...`, which runs the QUERY and draws it. Lines are handled one at
 * a time in arrival order, so with piped input every reply is printed in order, and finish()
 * waits for all of them. A connection the server closed (idle timeout) is reopened at the next
 * line rather than ending the session.
 */
export class ManualSession {
  private connection: ManualConnection | undefined;
  private queue: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(private readonly deps: ManualSessionDeps) {}

  /** Lines whose command could not be sent or answered (for the exit code). */
  get failed(): number {
    return this.failures;
  }

  /** Opens the first connection (so a wrong address is reported before any typing). */
  async start(): Promise<void> {
    this.connection = await this.open();
  }

  /** Queues one input line; resolves when it has been handled. */
  handle(line: string): Promise<void> {
    this.queue = this.queue.then(() => this.handleNow(line));
    return this.queue;
  }

  /** Waits for every queued line, then closes the connection. */
  async finish(): Promise<void> {
    await this.queue;
    const connection = this.connection;
    this.connection = undefined; // closing it ourselves is not worth a notice
    await connection?.close();
  }

  private async handleNow(line: string): Promise<void> {
    const words = line.trim().split(/[ \t]+/);
    if (words[0] === '') return; // an empty line re-prompts; it is not sent
    if (words[0] === 'chart') return this.chart(words.slice(1));
    const reply = await this.request(line);
    if (reply !== undefined) this.deps.print(`${reply}\n`);
  }

  private async chart(words: string[]): Promise<void> {
    const query = chartQueryFromWords(words);
    if (!query) return this.deps.notice(`usage: ${CHART_USAGE}\n`);
    const reply = await this.request(queryCommand(query));
    if (reply === undefined) return;
    const values = parseQueryResults(reply);
    this.deps.print(
      values
        ? renderChart(query, values, this.deps.chart, {
            answeredAt: this.deps.now(),
            zone: this.deps.zone,
          })
        : `${reply}\n`,
    );
  }

  /** Sends one command on the current connection, reopening it if the server closed it. */
  private async request(command: string): Promise<string | undefined> {
    try {
      if (!this.connection || this.connection.isClosed) this.connection = await this.open();
      return await this.connection.send(command);
    } catch (error) {
      this.failures += 1;
      this.deps.notice(`error: ${(error as Error).message}\n`);
      return undefined;
    }
  }

  private async open(): Promise<ManualConnection> {
    const connection = await this.deps.connect();
    connection.onClose((error) => {
      if (connection !== this.connection) return;
      const why = error ? ` (${error.message})` : '';
      this.deps.notice(`connection closed${why}; it is reopened at the next command\n`);
    });
    return connection;
  }
}
