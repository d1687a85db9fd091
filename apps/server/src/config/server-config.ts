import type { TlsFiles } from '../transport/tls-credentials';
import type { Durability } from '@app/persistence';
import type { LogLevelSetting } from './pulse-environment';
import type { NatsSecurity } from './nats-security';

/** The one typed configuration object of the server, built from PulseEnvironment. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  alertPeriodSeconds: number;
  maxConnections: number;
  maxInFlight: number;
  maxLineBytes: number;
  idleTimeoutMs: number;
  drainTimeoutMs: number;
  durability: Durability;
  flushValues: number;
  /** PULSE_RETENTION in ms; 0 keeps everything. */
  retentionMs: number;
  /** PULSE_RETENTION_BYTES; 0: no limit. */
  retentionBytes: number;
  compactionIntervalMs: number;
  /** The built compaction worker script (set by main.ts); unset: compaction on the event loop. */
  compactionWorkerScript?: string;
  timeZone: string;
  logLevel: LogLevelSetting;
  /** The HTTP listener (PULSE_HTTP_HOST, PULSE_HTTP_PORT); undefined: off. */
  http?: HttpConfig;
  /** Alert notifications; undefined in tests that build a config by hand. */
  notify?: NotifyConfig;
  /** Cluster mode on NATS JetStream; undefined: single node (PULSE_NATS_SERVERS empty). */
  cluster?: ClusterConfig;
  /** PULSE_TLS_*: TLS on the protocol port (undefined: plain TCP). */
  tls?: TlsFiles;
}

export interface HttpConfig {
  host: string;
  port: number;
  /** PULSE_HTTP_TOKEN: the bearer token /api requires (undefined: none). */
  token?: string;
  /** PULSE_HTTP_TOKEN_SCOPE: `api`, or `all` (/metrics, /healthz and /readyz too). */
  tokenScope: 'api' | 'all';
  /** HTTPS (PULSE_HTTP_TLS_*, or the protocol's PULSE_TLS_* pair); plain HTTP without. */
  tls?: TlsFiles;
  /** PULSE_HTTP_RATE_LIMIT: /api requests per second per client address. */
  rateLimit: number;
}

export interface NotifyConfig {
  alertmanagers: string[];
  webhooks: string[];
  resendSeconds: number;
  outboxLimit: number;
}

export interface ClusterConfig {
  servers: string[];
  nodeId: string;
  partitions: number;
  replicas: number;
  leaseMs: number;
  /** PULSE_RETENTION: also how long the JetStream streams keep messages (0: for ever). */
  retentionMs: number;
  /** Credentials and TLS for the NATS connection (PULSE_NATS_CREDS_FILE, ..._USER, ..._TLS_*). */
  security: NatsSecurity;
}

export const SERVER_CONFIG = Symbol('SERVER_CONFIG');
