import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from './build-program';
import { LoadSettings, ModeRunners } from './client-settings';

/** Runs the program on `args` with runners that only record their settings. */
async function parse(args: string[]) {
  const calls: { mode: keyof ModeRunners; settings: unknown }[] = [];
  const record =
    (mode: keyof ModeRunners) =>
    async (settings: unknown): Promise<void> => {
      calls.push({ mode, settings });
    };
  const program = buildProgram({
    load: record('load'),
    manual: record('manual'),
    send: record('send'),
    chart: record('chart'),
  });
  let errors = '';
  for (const command of [program, ...program.commands] as Command[]) {
    command.exitOverride().configureOutput({
      writeErr: (text) => (errors += text),
      writeOut: () => undefined,
    });
  }
  await program.parseAsync(args, { from: 'user' });
  expect(errors).toBe('');
  expect(calls).toHaveLength(1);
  return calls[0];
}

const loadSettings = async (args: string[]) => (await parse(args)).settings as LoadSettings;

describe('buildProgram', () => {
  const saved = { ...process.env };
  let dir: string;

  beforeEach(() => {
    for (const name of Object.keys(process.env))
      if (name.startsWith('PULSE_')) delete process.env[name];
    dir = mkdtempSync(join(tmpdir(), 'pulse-client-cli-'));
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  const configFile = (text: string) => {
    const path = join(dir, 'client.yaml');
    writeFileSync(path, text);
    return path;
  };

  it('runs load by default, with the documented defaults', async () => {
    const call = await parse([]);
    expect(call.mode).toBe('load');
    const settings = call.settings as LoadSettings;
    expect(settings.server).toEqual({ host: '127.0.0.1', port: 7070, timeoutMs: 10_000 });
    expect(settings.source).toBe('random');
    expect(settings.walk).toEqual({ min: 0, max: 100, step: 5 });
    expect(settings.loop).toMatchObject({
      intervalMs: 1000,
      count: undefined,
      durationMs: undefined,
      maxInFlight: 100,
      busyPauseMs: 1000,
      drainTimeoutMs: 5000,
      summaryEveryMs: 5000,
      backoff: { baseMs: 100, factor: 2, maxMs: 10_000 },
    });
    expect(settings.ids).toHaveLength(3);
    expect(settings.ids.every((id) => id.startsWith(`${settings.name}.`))).toBe(true);
  });

  it('takes flags before or after the mode', async () => {
    expect((await loadSettings(['--port', '9000', 'load'])).server.port).toBe(9000);
    expect((await loadSettings(['load', '--port', '9001'])).server.port).toBe(9001);
  });

  it('prefixes the default ids with the sanitized client name', async () => {
    process.env.PULSE_CLIENT_NAME = 'replica #2';
    const settings = await loadSettings(['load']);
    expect(settings.ids).toEqual(['replica__2.cpu', 'replica__2.mem', 'replica__2.latency']);
  });

  it('reads flags over environment over config file over defaults', async () => {
    process.env.PULSE_CLIENT_CONFIG = configFile(
      'PULSE_SERVER_HOST: from-file\nPULSE_SERVER_PORT: 1111\nPULSE_CLIENT_COUNT: 7\nPULSE_CLIENT_IDS: [f1, f2]\n',
    );
    process.env.PULSE_SERVER_PORT = '2222';
    process.env.PULSE_CLIENT_COUNT = '8';
    const settings = await loadSettings(['load', '--count', '9']);
    expect(settings.server.host).toBe('from-file');
    expect(settings.server.port).toBe(2222);
    expect(settings.loop.count).toBe(9);
    expect(settings.ids).toEqual(['f1', 'f2']);
    expect(settings.loop.intervalMs).toBe(1000);
  });

  it('takes the config file from --config too', async () => {
    const path = configFile('PULSE_SERVER_TZ: Europe/Madrid\n');
    const call = await parse(['--config', path, 'manual']);
    expect(call.mode).toBe('manual');
    expect(call.settings).toMatchObject({ zone: 'Europe/Madrid' });
  });

  it('rejects unknown keys and bad values in the config file, naming them', async () => {
    const program = buildProgram({} as ModeRunners);
    process.env.PULSE_CLIENT_CONFIG = configFile('PULSE_CLIENT_CUONT: 5\n');
    await expect(program.parseAsync(['load'], { from: 'user' })).rejects.toThrow(
      /client\.yaml: unknown setting PULSE_CLIENT_CUONT/,
    );
    process.env.PULSE_CLIENT_CONFIG = configFile('PULSE_SERVER_PORT: http\n');
    await expect(
      buildProgram({} as ModeRunners).parseAsync(['send', 'X'], { from: 'user' }),
    ).rejects.toThrow(/client\.yaml: PULSE_SERVER_PORT: expected a number/);
  });

  it('turns --rate into an interval; the stronger source of rate and interval wins', async () => {
    expect((await loadSettings(['load', '--rate', '20'])).loop.intervalMs).toBe(50);
    process.env.PULSE_CLIENT_RATE = '4';
    expect((await loadSettings(['load'])).loop.intervalMs).toBe(250);
    expect((await loadSettings(['load', '--interval', '10'])).loop.intervalMs).toBe(10);
  });

  it('maps --duration and --summary-every to ms, and 0 counts to no bound', async () => {
    const settings = await loadSettings([
      'load',
      '--duration',
      '1.5',
      '--summary-every',
      '0.2',
      '--count',
      '0',
    ]);
    expect(settings.loop).toMatchObject({
      durationMs: 1500,
      summaryEveryMs: 200,
      count: undefined,
    });
  });

  it('passes send its words as one command, negative numbers included', async () => {
    const call = await parse(['send', 'LOG', 'cpu', '-2.5E-4']);
    expect(call).toEqual({
      mode: 'send',
      settings: { server: expect.any(Object), command: 'LOG cpu -2.5E-4' },
    });
  });

  it('passes chart its query and layout', async () => {
    const call = await parse([
      'chart',
      'cpu',
      'AVG',
      '60',
      '2022-04-26',
      '--height',
      '8',
      '--width',
      '50',
    ]);
    expect(call.settings).toMatchObject({
      query: { id: 'cpu', op: 'AVG', secs: '60', from: '2022-04-26', to: undefined },
      layout: { height: 8, width: 50 },
      zone: 'UTC',
    });
  });
});
