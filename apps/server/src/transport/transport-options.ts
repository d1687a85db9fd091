import type { TlsCredentials } from './tls-credentials';

/** The transport's share of the configuration. */
export interface TransportOptions {
  host: string;
  port: number;
  maxConnections: number;
  maxInFlight: number;
  maxLineBytes: number;
  idleTimeoutMs: number;
  drainTimeoutMs: number;
  /** TLS on the protocol port (PULSE_TLS_*); plain TCP without. */
  tls?: TlsCredentials;
}
