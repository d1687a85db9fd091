/**
 * The JSON of docs/api/openapi.yaml, the only API the page uses. Times are milliseconds since
 * the epoch unless said otherwise.
 */

export const AGGREGATE_OPS = ['AVG', 'MIN', 'MAX', 'COUNT'] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

export interface ApiErrorBody {
  error: string;
}

export interface MetricSummary {
  id: string;
  count: number;
  firstStamp: number | null;
  lastStamp: number | null;
  lastValue: number | null;
}

export interface MetricPage {
  metrics: MetricSummary[];
  total: number;
  nextCursor: string | null;
}

export interface QueryResult {
  id: string;
  op: AggregateOp;
  secs: number;
  from: number | null;
  to: number | null;
  /** Each aggregate's window start (with secs 0, each value's stamp). */
  times: number[];
  values: number[];
}

export interface AlertRule {
  /** `<id> <op> <secs> <limit>`: the key DELETE /api/alerts/{rule} takes, URL-encoded. */
  rule: string;
  id: string;
  op: AggregateOp;
  secs: number;
  limit: number;
  state: 'firing' | 'ok';
  registeredAt: number;
  checkedUpTo: number;
}

export interface JournalEntry {
  /** ISO 8601 date-times. */
  time: string;
  state: 'firing' | 'resolved' | 'deleted';
  id: string;
  op: string;
  secs: number;
  limit: number;
  from?: string;
  to?: string;
  aggregates?: number[];
}

export interface NewAlert {
  id: string;
  op: AggregateOp;
  secs: number;
  limit: number;
}

/** Every field optional, as the contract has it: the page shows what is there. */
export interface ServerSummary {
  version?: string;
  startedAt?: number;
  uptimeSeconds?: number;
  timeZone?: string;
  alertPeriodSeconds?: number;
  connections?: number;
  valuesAcknowledged?: number;
  ingestPerSecond?: number;
  metrics?: number;
  storageBytes?: number;
  blocks?: number;
  node?: string | null;
}

export function isAggregateOp(text: string | null | undefined): text is AggregateOp {
  return (AGGREGATE_OPS as readonly string[]).includes(text ?? '');
}
