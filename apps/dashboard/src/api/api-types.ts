/**
 * The JSON of docs/api/openapi.yaml, the only API the page uses: the types are the server's
 * own (libs/protocol/src/http-api.ts), so that the page and the server cannot disagree.
 */

export const AGGREGATE_OPS = ['AVG', 'MIN', 'MAX', 'COUNT'] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

export type {
  AlertRule,
  ApiErrorBody,
  JournalEntry,
  MetricPage,
  MetricSummary,
  NewAlert,
  QueryResult,
  ServerSummary,
} from '@app/protocol/http-api';

export function isAggregateOp(text: string | null | undefined): text is AggregateOp {
  return (AGGREGATE_OPS as readonly string[]).includes(text ?? '');
}
