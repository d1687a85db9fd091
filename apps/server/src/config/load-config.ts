import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigError } from './config-error';
import { toNatsSecurity } from './nats-security';
import { readConfigFile } from './config-file';
import { PulseEnvironment, SETTING_NAMES } from './pulse-environment';
import { hostname } from 'node:os';
import { ClusterConfig, ServerConfig } from './server-config';
import { parseDuration, parseSize } from './size-and-duration';
import type { TlsFiles } from '../transport/tls-credentials';

/**
 * Builds the configuration: defaults, then the optional file named by PULSE_CONFIG (YAML, or
 * .env lines), then environment variables, which win. Throws ConfigError naming the bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const fromFile = env.PULSE_CONFIG ? readConfigFile(env.PULSE_CONFIG) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const name of SETTING_NAMES) {
    if (env[name] !== undefined && env[name] !== '') merged[name] = env[name];
  }
  const unknown = Object.keys(fromFile).filter((k) => !(SETTING_NAMES as string[]).includes(k));
  if (unknown.length)
    throw new ConfigError(`unknown setting ${unknown.join(', ')} in ${env.PULSE_CONFIG}`);
  const settings = plainToInstance(PulseEnvironment, merged, { exposeDefaultValues: true });
  const errors = validateSync(settings, { forbidUnknownValues: true });
  if (errors.length) {
    const messages = errors.map(
      (e) =>
        `${e.property}=${JSON.stringify(merged[e.property])}: ` +
        Object.values(e.constraints ?? {}).join(', '),
    );
    throw new ConfigError(`invalid configuration: ${messages.join('; ')}`);
  }
  return toServerConfig(settings);
}

/**
 * HTTPS: PULSE_HTTP_TLS_CERT_FILE/KEY_FILE, or else the protocol's pair (one setting protects
 * both ports); the HTTP listener asks for no client certificate.
 */
function toHttpTlsConfig(s: PulseEnvironment): TlsFiles | undefined {
  const cert = s.PULSE_HTTP_TLS_CERT_FILE;
  const key = s.PULSE_HTTP_TLS_KEY_FILE;
  if (cert || key) {
    if (!cert || !key)
      throw new ConfigError('PULSE_HTTP_TLS_CERT_FILE and PULSE_HTTP_TLS_KEY_FILE go together');
    return { certFile: cert, keyFile: key };
  }
  const protocol = toTlsConfig(s);
  return protocol && { certFile: protocol.certFile, keyFile: protocol.keyFile };
}

/** PULSE_TLS_*: a certificate needs its key (and a client CA needs both), or none at all. */
function toTlsConfig(s: PulseEnvironment): TlsFiles | undefined {
  const { PULSE_TLS_CERT_FILE: cert, PULSE_TLS_KEY_FILE: key } = s;
  const ca = s.PULSE_TLS_CLIENT_CA_FILE;
  if (!cert && !key && !ca) return undefined;
  if (!cert || !key)
    throw new ConfigError(
      `PULSE_TLS_CERT_FILE and PULSE_TLS_KEY_FILE go together (set: ${cert ? 'PULSE_TLS_CERT_FILE' : key ? 'PULSE_TLS_KEY_FILE' : 'neither'}` +
        `${ca ? ', and PULSE_TLS_CLIENT_CA_FILE needs both' : ''})`,
    );
  return { certFile: cert, keyFile: key, ...(ca ? { clientCaFile: ca } : {}) };
}

function toServerConfig(s: PulseEnvironment): ServerConfig {
  return {
    host: s.PULSE_HOST,
    port: s.PULSE_PORT,
    dataDir: s.PULSE_DATA_DIR,
    alertPeriodSeconds: s.PULSE_ALERT_PERIOD_SECONDS,
    maxConnections: s.PULSE_MAX_CONNECTIONS,
    maxInFlight: s.PULSE_MAX_IN_FLIGHT,
    maxLineBytes: s.PULSE_MAX_LINE_BYTES,
    idleTimeoutMs: s.PULSE_IDLE_TIMEOUT_SECONDS * 1000,
    drainTimeoutMs: s.PULSE_DRAIN_TIMEOUT_SECONDS * 1000,
    durability: s.PULSE_DURABILITY,
    flushValues: s.PULSE_FLUSH_VALUES,
    retentionMs: parseDuration(s.PULSE_RETENTION) as number, // validated above
    retentionBytes: parseSize(s.PULSE_RETENTION_BYTES) as number,
    compactionIntervalMs: s.PULSE_COMPACTION_SECONDS * 1000,
    timeZone: s.PULSE_TZ,
    logLevel: s.PULSE_LOG_LEVEL,
    http:
      s.PULSE_HTTP_PORT === 'off'
        ? undefined
        : {
            host: s.PULSE_HTTP_HOST || s.PULSE_HOST,
            port: Number(s.PULSE_HTTP_PORT),
            token: s.PULSE_HTTP_TOKEN || undefined,
            tokenScope: s.PULSE_HTTP_TOKEN_SCOPE,
            rateLimit: s.PULSE_HTTP_RATE_LIMIT,
            tls: toHttpTlsConfig(s),
          },
    notify: {
      alertmanagers: s.PULSE_ALERTMANAGER_URLS ? s.PULSE_ALERTMANAGER_URLS.split(',') : [],
      webhooks: s.PULSE_ALERT_WEBHOOK_URLS ? s.PULSE_ALERT_WEBHOOK_URLS.split(',') : [],
      resendSeconds: s.PULSE_ALERT_RESEND_SECONDS,
      outboxLimit: s.PULSE_ALERT_OUTBOX_LIMIT,
    },
    cluster: toClusterConfig(s),
    tls: toTlsConfig(s),
  };
}

function toClusterConfig(s: PulseEnvironment): ClusterConfig | undefined {
  const security = toNatsSecurity(s);
  if (!s.PULSE_NATS_SERVERS) return undefined;
  return {
    servers: s.PULSE_NATS_SERVERS.split(','),
    nodeId:
      s.PULSE_NODE_ID ||
      hostname()
        .replace(/[^A-Za-z0-9_-]/g, '-')
        .slice(0, 64),
    partitions: s.PULSE_CLUSTER_PARTITIONS,
    replicas: s.PULSE_CLUSTER_REPLICAS,
    leaseMs: s.PULSE_CLUSTER_LEASE_SECONDS * 1000,
    retentionMs: parseDuration(s.PULSE_RETENTION) as number,
    security,
  };
}
