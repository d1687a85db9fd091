import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

const SERVERS = { PULSE_NATS_SERVERS: 'nats://127.0.0.1:4222' };

describe('NATS credentials and TLS settings', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'pulse-nats-config-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const security = (env: Record<string, string>) =>
    loadConfig({ ...SERVERS, ...env }).cluster?.security;
  const failure = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('loadConfig accepted the settings');
  };

  it('has none by default: TLS only if the server asks for it, no credentials', () => {
    expect(security({})).toEqual({ auth: undefined, tls: undefined });
  });

  it('reads the credentials file and the PEM files at start-up', async () => {
    const creds = join(dir, 'node.creds');
    const ca = join(dir, 'ca.pem');
    await writeFile(creds, 'the creds');
    await writeFile(ca, 'the ca');
    const read = security({ PULSE_NATS_CREDS_FILE: creds, PULSE_NATS_TLS_CA_FILE: ca });
    expect(read?.auth).toEqual({ kind: 'creds', file: creds, creds: Buffer.from('the creds') });
    expect(read?.tls).toEqual({ ca: 'the ca' });
  });

  it('takes a user and password together, never with a credentials file', () => {
    expect(security({ PULSE_NATS_USER: 'u', PULSE_NATS_PASSWORD: 'p' })?.auth).toEqual({
      kind: 'password',
      user: 'u',
      password: 'p',
    });
    expect(failure({ ...SERVERS, PULSE_NATS_USER: 'u' })).toMatch(/go together/);
    expect(failure({ ...SERVERS, PULSE_NATS_CREDS_FILE: '/x', PULSE_NATS_PASSWORD: 'p' })).toMatch(
      /exclude each other/,
    );
  });

  it('names the setting of a file it cannot read, and never prints a password', () => {
    const message = failure({ ...SERVERS, PULSE_NATS_CREDS_FILE: join(dir, 'missing.creds') });
    expect(message).toBe(
      `PULSE_NATS_CREDS_FILE: cannot read ${join(dir, 'missing.creds')} (ENOENT)`,
    );
    expect(failure({ ...SERVERS, PULSE_NATS_TLS_CERT_FILE: '/c' })).toMatch(/go together/);
    expect(failure({ ...SERVERS, PULSE_NATS_PASSWORD: 'hunter2' })).not.toContain('hunter2');
  });

  it('refuses them in single-node mode, where they would silently do nothing', () => {
    expect(failure({ PULSE_NATS_USER: 'u', PULSE_NATS_PASSWORD: 'p' })).toBe(
      'PULSE_NATS_USER, PULSE_NATS_PASSWORD set, but PULSE_NATS_SERVERS is empty (single-node mode)',
    );
  });
});
