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
export { WindowAggregator } from './window-aggregator';
export { MetricsService } from './metrics.service';
export { MetricsModule } from './metrics.module';
export { METRICS_OPTIONS } from './metrics-options';
export type { MetricsOptions } from './metrics-options';
