/** What MetricsService needs from the configuration. */
export interface MetricsOptions {
  /** IANA zone of QUERY dates written without an offset (PULSE_TZ). */
  timeZone: string;
}

export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');
