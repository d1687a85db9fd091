import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'pulse-config-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      host: '0.0.0.0',
      port: 7070,
      dataDir: './data',
      alertPeriodSeconds: 60,
      maxConnections: 1024,
      maxInFlight: 10000,
      maxLineBytes: 4096,
      idleTimeoutMs: 60_000,
      drainTimeoutMs: 10_000,
      durability: 'fsync',
      flushValues: 1_000_000,
      retentionMs: 30 * 86_400_000,
      retentionBytes: 0,
      compactionIntervalMs: 600_000,
      http: { host: '0.0.0.0', port: 7071, rateLimit: 100, tokenScope: 'api' },
      notify: { alertmanagers: [], webhooks: [], resendSeconds: 60, outboxLimit: 100_000 },
      timeZone: 'UTC',
      logLevel: 'log',
    });
  });

  it('reads a YAML file named by PULSE_CONFIG, and the environment wins over it', async () => {
    const file = join(dir, 'pulse.yaml');
    await writeFile(file, 'PULSE_PORT: 9000\nPULSE_TZ: Europe/Madrid\nPULSE_DURABILITY: os\n');
    const config = loadConfig({ PULSE_CONFIG: file, PULSE_PORT: '9100' });
    expect(config.port).toBe(9100);
    expect(config.timeZone).toBe('Europe/Madrid');
    expect(config.durability).toBe('os');
  });

  it.each([
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['1.5d', 36 * 3_600_000],
    ['0', 0],
  ])('reads PULSE_RETENTION=%s as %d ms', (text, expected) => {
    expect(loadConfig({ PULSE_RETENTION: text }).retentionMs).toBe(expected);
  });

  it('reads PULSE_RETENTION_BYTES in powers of 1024', () => {
    expect(loadConfig({ PULSE_RETENTION_BYTES: '2GB' }).retentionBytes).toBe(2 * 1024 ** 3);
    expect(loadConfig({ PULSE_RETENTION_BYTES: '1000' }).retentionBytes).toBe(1000);
  });

  it('reads a .env file', async () => {
    const file = join(dir, 'pulse.env');
    await writeFile(file, 'PULSE_IDLE_TIMEOUT_SECONDS=1.5\nPULSE_MAX_CONNECTIONS=3\n');
    const config = loadConfig({ PULSE_CONFIG: file });
    expect(config.idleTimeoutMs).toBe(1500);
    expect(config.maxConnections).toBe(3);
  });

  it.each([
    ['PULSE_PORT', 'abc'],
    ['PULSE_PORT', '70000'],
    ['PULSE_DURABILITY', 'maybe'],
    ['PULSE_TZ', 'Mars/Olympus'],
    ['PULSE_MAX_IN_FLIGHT', '0'],
    ['PULSE_IDLE_TIMEOUT_SECONDS', '-1'],
    ['PULSE_LOG_LEVEL', 'loud'],
    ['PULSE_RETENTION', '30'],
    ['PULSE_RETENTION', '-1d'],
    ['PULSE_RETENTION', 'forever'],
    ['PULSE_RETENTION_BYTES', '2 potatoes'],
    ['PULSE_COMPACTION_SECONDS', '0'],
    ['PULSE_HTTP_PORT', 'on'],
    ['PULSE_ALERTMANAGER_URLS', 'ftp://x'],
    ['PULSE_HTTP_PORT', '70000'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}="${value}"`));
  });

  it('rejects unknown settings and unreadable files', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'PULSE_PROT: 1\n');
    expect(() => loadConfig({ PULSE_CONFIG: file })).toThrow(/unknown setting PULSE_PROT/);
    expect(() => loadConfig({ PULSE_CONFIG: join(dir, 'missing.yaml') })).toThrow(/PULSE_CONFIG/);
  });
});
