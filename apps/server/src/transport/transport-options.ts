/** The transport's share of the configuration. */
export interface TransportOptions {
  host: string;
  port: number;
  maxConnections: number;
  maxInFlight: number;
  maxLineBytes: number;
  idleTimeoutMs: number;
  drainTimeoutMs: number;
}
