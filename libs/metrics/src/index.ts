export { WindowAggregator } from './window-aggregator';
export { MetricsService } from './metrics.service';
export type { QueryWindows } from './metrics.service';
export { MetricsModule } from './metrics.module';
export { METRICS_OPTIONS } from './metrics-options';
export type { MetricsOptions } from './metrics-options';
export { splitLogCommands } from './log-commands';
export type { LogCommands } from './log-commands';
