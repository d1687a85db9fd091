/**
 * The Pulse protocol as pure code, with no Nest and no I/O: reply texts, command parsing (ids,
 * numbers, dates), float formatting and the exact arithmetic AVG needs. The server and the
 * client both import it from here.
 */
export { Replies, COMMAND_VERBS, queryResult } from './replies';
export type { CommandVerb, Reply } from './replies';
export { formatFloat, formatCount } from './float-format';
export { parseDecimal } from './number-parse';
export { isValidMetricId, MAX_METRIC_ID_LENGTH } from './metric-id';
export { parseIsoDate, isValidTimeZone, formatServerDate } from './date-parse';
export { DoubleDoubleSum, meanOf } from './double-double';
export { meanOfValues, exactQuotient, exactSumQuotient, roundRatio } from './exact-mean';
export {
  parseLogArgs,
  parseQueryArgs,
  parseAlertArgs,
  isAggregateOp,
  splitTokens,
} from './command-parser';
export type { AggregateOp, LogArgs, QueryArgs, AlertArgs } from './command-parser';
export type {
  AlertRule,
  ApiAggregateOp,
  ApiErrorBody,
  JournalEntry,
  MetricPage,
  MetricSummary as ApiMetricSummary,
  NewAlert,
  QueryResult,
  ServerSummary,
} from './http-api';
