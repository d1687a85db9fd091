import { Inject, Injectable, Logger } from '@nestjs/common';
import { BucketCounts, FileManager } from '@app/persistence';
import { Replies, parseQueryArgs, queryResult } from '@app/protocol';
import type { AggregateOp, QueryArgs } from '@app/protocol';
import { splitLogCommands } from './log-commands';
import { METRICS_OPTIONS } from './metrics-options';
import type { MetricsOptions } from './metrics-options';
import { WindowAggregator } from './window-aggregator';

/** Upper bounds of the QUERY latency buckets (seconds). */
const QUERY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5,
];

/** A QUERY answered with each aggregate's window start (the HTTP API), or its error reply. */
export type QueryWindows =
  | { ok: true; times: number[]; values: number[]; from: number | null; to: number | null }
  | { ok: false; reply: string };

/**
 * LOG and QUERY: validates arguments, stores values through the FileManager, aggregates queries
 * and formats every reply. Works on runs of commands so that the transport makes one call (and
 * the storage one group commit) for many pipelined LOG lines.
 */
@Injectable()
export class MetricsService {
  /** Seconds per QUERY (parsed ones), by op: read by the server's /metrics. */
  readonly querySeconds: Record<AggregateOp, BucketCounts> = {
    AVG: new BucketCounts(QUERY_BUCKETS),
    MIN: new BucketCounts(QUERY_BUCKETS),
    MAX: new BucketCounts(QUERY_BUCKETS),
    COUNT: new BucketCounts(QUERY_BUCKETS),
  };
  private readonly logger = new Logger(MetricsService.name);

  constructor(
    private readonly files: FileManager,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
  ) {}

  /** One reply per LOG: 201 once stored, the usage for bad arguments, 500 if storing failed. */
  async log(commands: readonly (readonly string[])[]): Promise<string[]> {
    const { replies, ids, values } = splitLogCommands(commands);
    let outcome: string = Replies.metricInserted;
    if (ids.length > 0) {
      try {
        await this.files.append(ids, values);
      } catch (error) {
        this.logger.error(`LOG of ${ids.length} values failed: ${(error as Error).message}`);
        outcome = Replies.internalError;
      }
    }
    for (let i = 0; i < replies.length; i++) replies[i] ??= outcome;
    return replies as string[];
  }

  /** One reply per QUERY, run one after the other (each scan yields to ingestion as it goes). */
  async query(commands: readonly (readonly string[])[]): Promise<string[]> {
    const replies: string[] = [];
    for (const args of commands) replies.push(await this.queryOne(args));
    return replies;
  }

  /** Whether the metric has a stored value (for NEW-ALERT's 404). */
  hasMetric(id: string): boolean {
    return this.files.hasMetric(id);
  }

  /**
   * The aggregates of one metric's values stamped in (after, upTo], in windows of `secs` anchored
   * at `after` (alert checks); undefined if the metric was never logged. `inlineReads`: see
   * FileManager.scan.
   */
  async aggregate(
    id: string,
    op: AggregateOp,
    secs: number,
    after: number,
    upTo: number,
    inlineReads = false,
  ): Promise<number[] | undefined> {
    const aggregator = new WindowAggregator(op, secs, after);
    // Stamps are whole milliseconds: "after `after`" starts at the next one.
    const from = Math.floor(after) + 1;
    const found = await this.files.scan(id, from, upTo, aggregator, inlineReads);
    return found ? aggregator.finishValues() : undefined;
  }

  /** The latest stamp up to which every value is stored and visible (see FileManager). */
  visibleUpTo(): number {
    return this.files.visibleUpTo();
  }

  /** A QUERY's tokens answered as numbers with their window starts (GET /api/query). */
  async queryWindows(tokens: readonly string[]): Promise<QueryWindows> {
    const query = parseQueryArgs(tokens, this.options.timeZone);
    if (!query) return { ok: false, reply: Replies.queryUsage };
    const aggregator = new WindowAggregator(query.op, query.secs, query.from, true);
    const outcome = await this.run(query, tokens, aggregator);
    if (outcome !== undefined) return { ok: false, reply: outcome };
    const values = aggregator.finishValues();
    const times = aggregator.starts as number[];
    return { ok: true, times, values, from: query.from ?? null, to: query.to ?? null };
  }

  private async queryOne(tokens: readonly string[]): Promise<string> {
    const query = parseQueryArgs(tokens, this.options.timeZone);
    if (!query) return Replies.queryUsage;
    const aggregator = new WindowAggregator(query.op, query.secs, query.from);
    return (await this.run(query, tokens, aggregator)) ?? queryResult(aggregator.finish());
  }

  /** Scans the query's values into the aggregator: undefined when done, else the error reply. */
  private async run(
    query: QueryArgs,
    tokens: readonly string[],
    aggregator: WindowAggregator,
  ): Promise<string | undefined> {
    const started = performance.now();
    try {
      const found = await this.files.scan(
        query.id,
        query.from ?? -Infinity,
        query.to ?? Infinity,
        aggregator,
      );
      return found ? undefined : Replies.metricNotFound;
    } catch (error) {
      this.logger.error(`QUERY ${tokens.join(' ')} failed: ${(error as Error).message}`);
      return Replies.internalError;
    } finally {
      this.querySeconds[query.op].observe((performance.now() - started) / 1000);
    }
  }
}
