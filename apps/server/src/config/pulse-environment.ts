import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsPositive,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
} from 'class-validator';
import { DEFAULT_FLUSH_VALUES } from '@app/persistence';
import { DurationConstraint, SizeConstraint } from './size-and-duration';
import { TimeZoneConstraint } from './time-zone.constraint';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];

/**
 * Every setting, named as its environment variable, with its default and its rule. Validation
 * messages start with the setting's name, so an operator sees which one is wrong.
 * (Each field has a type annotation: class-transformer converts strings by it.) Just over 200
 * lines because it is the one list of every setting, each with its validation.
 */
export class PulseEnvironment {
  @IsString()
  @IsNotEmpty()
  PULSE_HOST: string = '0.0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PULSE_PORT: number = 7070;

  @IsString()
  @IsNotEmpty()
  PULSE_DATA_DIR: string = './data';

  /** The HTTP listener (health, /metrics): its address (empty: PULSE_HOST's); port `off`: none. */
  @IsString()
  PULSE_HTTP_HOST: string = '';

  @Type(() => String) // a YAML file may give it as a number
  @IsString()
  @Matches(/^(off|\d{1,4}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/, {
    message: 'PULSE_HTTP_PORT must be a port (0 picks a free one) or off',
  })
  PULSE_HTTP_PORT: string = '7071';

  /** When set, every /api request needs `Authorization: Bearer <token>` (never logged). */
  @IsString()
  PULSE_HTTP_TOKEN: string = '';

  /** /api requests per second per client address; past it, 429. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  PULSE_HTTP_RATE_LIMIT: number = 100;

  /** TLS on the protocol port: the server's certificate and key (PEM); empty: plain TCP. */
  @IsString()
  PULSE_TLS_CERT_FILE: string = '';

  @IsString()
  PULSE_TLS_KEY_FILE: string = '';

  /** With TLS: clients must present a certificate signed by this CA (PEM). */
  @IsString()
  PULSE_TLS_CLIENT_CA_FILE: string = '';

  /** HTTPS on the HTTP listener: its own pair; empty: PULSE_TLS_CERT_FILE's, if set. */
  @IsString()
  PULSE_HTTP_TLS_CERT_FILE: string = '';

  @IsString()
  PULSE_HTTP_TLS_KEY_FILE: string = '';

  /** What PULSE_HTTP_TOKEN guards: `api` (the /api calls) or `all` (also /metrics and health). */
  @IsIn(['api', 'all'])
  PULSE_HTTP_TOKEN_SCOPE: 'api' | 'all' = 'api';

  @Type(() => Number)
  @IsNumber()
  @IsPositive()
  PULSE_ALERT_PERIOD_SECONDS: number = 60;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  PULSE_MAX_CONNECTIONS: number = 1024;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  PULSE_MAX_IN_FLIGHT: number = 10000;

  @Type(() => Number)
  @IsInt()
  @Min(16)
  @Max(16 * 1024 * 1024)
  PULSE_MAX_LINE_BYTES: number = 4096;

  @Type(() => Number)
  @IsNumber()
  @IsPositive()
  PULSE_IDLE_TIMEOUT_SECONDS: number = 60;

  @Type(() => Number)
  @IsNumber()
  @IsPositive()
  PULSE_DRAIN_TIMEOUT_SECONDS: number = 10;

  @IsIn(['fsync', 'os'])
  PULSE_DURABILITY: 'fsync' | 'os' = 'fsync';

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  PULSE_FLUSH_VALUES: number = DEFAULT_FLUSH_VALUES;

  /** Values older than this are dropped (30d, 12h, 90m...); 0 keeps everything. */
  @IsString()
  @Validate(DurationConstraint)
  PULSE_RETENTION: string = '30d';

  /** Also drop the oldest blocks while the data directory's blocks hold more (500MB, 2GB); 0: no limit. */
  @IsString()
  @Validate(SizeConstraint)
  PULSE_RETENTION_BYTES: string = '0';

  /** How often compaction looks for blocks to merge and values that went out of retention. */
  @Type(() => Number)
  @IsNumber()
  @Min(1)
  PULSE_COMPACTION_SECONDS: number = 600;

  @IsString()
  @Validate(TimeZoneConstraint)
  PULSE_TZ: string = 'UTC';

  @IsIn(LOG_LEVELS)
  PULSE_LOG_LEVEL: LogLevelSetting = 'log';

  /** Alertmanager base URLs (comma-separated); each firing check and resolution is sent there. */
  @IsString()
  @Matches(/^(|https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)$/, {
    message: 'PULSE_ALERTMANAGER_URLS must be empty or comma-separated http(s):// URLs',
  })
  PULSE_ALERTMANAGER_URLS: string = '';

  /** Webhook URLs (comma-separated): each journal line is POSTed there as JSON. */
  @IsString()
  @Matches(/^(|https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)$/, {
    message: 'PULSE_ALERT_WEBHOOK_URLS must be empty or comma-separated http(s):// URLs',
  })
  PULSE_ALERT_WEBHOOK_URLS: string = '';

  @Type(() => Number)
  @IsNumber()
  @IsPositive()
  PULSE_ALERT_RESEND_SECONDS: number = 60;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  PULSE_ALERT_OUTBOX_LIMIT: number = 100_000;

  /** Comma-separated nats:// URLs; empty: single-node mode (see apps/server/src/cluster). */
  @IsString()
  @Matches(/^(|nats:\/\/[^\s,]+(,nats:\/\/[^\s,]+)*)$/, {
    message: 'PULSE_NATS_SERVERS must be empty or comma-separated nats://host:port URLs',
  })
  PULSE_NATS_SERVERS: string = '';

  /** A NATS credentials file (user JWT and nkey seed, as `nsc` writes it). */
  @IsString()
  PULSE_NATS_CREDS_FILE: string = '';

  /** User and password for NATS (instead of a credentials file); never logged. */
  @IsString()
  PULSE_NATS_USER: string = '';

  @IsString()
  PULSE_NATS_PASSWORD: string = '';

  /** Any of the three requires TLS to NATS: the CA that signed the servers' certificates... */
  @IsString()
  PULSE_NATS_TLS_CA_FILE: string = '';

  /** ...and this node's certificate and key, for servers that verify clients. */
  @IsString()
  PULSE_NATS_TLS_CERT_FILE: string = '';

  @IsString()
  PULSE_NATS_TLS_KEY_FILE: string = '';

  /** Empty: the host name (letters, digits, - and _ kept). Part of NATS subjects and keys. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{0,64}$/, {
    message: 'PULSE_NODE_ID must be at most 64 letters, digits, - or _',
  })
  PULSE_NODE_ID: string = '';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(4096)
  PULSE_CLUSTER_PARTITIONS: number = 32;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  PULSE_CLUSTER_REPLICAS: number = 3;

  @Type(() => Number)
  @IsNumber()
  @Min(1)
  PULSE_CLUSTER_LEASE_SECONDS: number = 5;
}

export const SETTING_NAMES = Object.keys(new PulseEnvironment()) as (keyof PulseEnvironment)[];
