/**
 * The JSON bodies of the HTTP API (docs/api/openapi.yaml), typed once for both sides: the
 * server's API controllers answer with these, the dashboard reads them. Types only (the page's
 * bundle gets nothing from here). Times are milliseconds since the epoch unless said otherwise.
 */

/** QUERY's ops, as the API names them. */
export type ApiAggregateOp = 'AVG' | 'MIN' | 'MAX' | 'COUNT';

export interface ApiErrorBody {
  error: string;
}

/** One metric as GET /api/metrics lists it (storage computes it: FileManager.summarize). */
export interface MetricSummary {
  id: string;
  /** Values stored and selectable (within retention, after a deletion). */
  count: number;
  /** null when count is 0 (a metric whose values all went out of retention). */
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
  op: ApiAggregateOp;
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
  op: ApiAggregateOp;
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
  op: ApiAggregateOp;
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
