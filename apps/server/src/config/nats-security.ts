import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';
import type { PulseEnvironment } from './pulse-environment';

/** How a node proves who it is to NATS: a credentials file, or a user and password. */
export type NatsAuth =
  | { kind: 'creds'; file: string; creds: Uint8Array }
  | { kind: 'password'; user: string; password: string };

/** TLS to NATS, the PEM texts read at start-up (so a bad path is a start-up error). */
export interface NatsTls {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface NatsSecurity {
  auth?: NatsAuth;
  /** Set: TLS is required (a server that offers none is refused); unset: as the server asks. */
  tls?: NatsTls;
}

const SECURITY_SETTINGS = [
  'PULSE_NATS_CREDS_FILE',
  'PULSE_NATS_USER',
  'PULSE_NATS_PASSWORD',
  'PULSE_NATS_TLS_CA_FILE',
  'PULSE_NATS_TLS_CERT_FILE',
  'PULSE_NATS_TLS_KEY_FILE',
] as const;

/**
 * PULSE_NATS_CREDS_FILE, PULSE_NATS_USER/PASSWORD and PULSE_NATS_TLS_*. Files are read here, so
 * a missing or unreadable one stops start-up with one line naming the setting; the secrets
 * themselves never appear in an error or a log line.
 */
export function toNatsSecurity(s: PulseEnvironment): NatsSecurity {
  if (!s.PULSE_NATS_SERVERS) {
    const stray = SECURITY_SETTINGS.filter((name) => s[name] !== '');
    if (stray.length)
      throw new ConfigError(
        `${stray.join(', ')} set, but PULSE_NATS_SERVERS is empty (single-node mode)`,
      );
    return {};
  }
  return { auth: toNatsAuth(s), tls: toNatsTls(s) };
}

function toNatsAuth(s: PulseEnvironment): NatsAuth | undefined {
  const { PULSE_NATS_CREDS_FILE: file, PULSE_NATS_USER: user } = s;
  const password = s.PULSE_NATS_PASSWORD;
  if (file && (user || password))
    throw new ConfigError(
      'PULSE_NATS_CREDS_FILE and PULSE_NATS_USER/PULSE_NATS_PASSWORD exclude each other: set one way to authenticate',
    );
  if (file) return { kind: 'creds', file, creds: readSetting('PULSE_NATS_CREDS_FILE', file) };
  if (!user && !password) return undefined;
  if (!user || !password)
    throw new ConfigError('PULSE_NATS_USER and PULSE_NATS_PASSWORD go together');
  return { kind: 'password', user, password };
}

function toNatsTls(s: PulseEnvironment): NatsTls | undefined {
  const { PULSE_NATS_TLS_CA_FILE: ca, PULSE_NATS_TLS_CERT_FILE: cert } = s;
  const key = s.PULSE_NATS_TLS_KEY_FILE;
  if (!ca && !cert && !key) return undefined;
  if (!cert !== !key)
    throw new ConfigError('PULSE_NATS_TLS_CERT_FILE and PULSE_NATS_TLS_KEY_FILE go together');
  const tls: NatsTls = {};
  if (ca) tls.ca = readSetting('PULSE_NATS_TLS_CA_FILE', ca).toString();
  if (cert) tls.cert = readSetting('PULSE_NATS_TLS_CERT_FILE', cert).toString();
  if (key) tls.key = readSetting('PULSE_NATS_TLS_KEY_FILE', key).toString();
  return tls;
}

function readSetting(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`${name}: cannot read ${path} (${reason})`);
  }
}
