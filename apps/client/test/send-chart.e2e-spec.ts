import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PulseServer, freshDataDir, removeDataDirs } from '../../server/test/support/spawn-server';
import { REPLY } from '../../server/test/support/replies';
import { ClientProcess, freePort, runClient } from './support/client-process';

/** `send` and `chart` against the built server (run `npx nest build server client` first). */
describe('client send and chart (e2e)', () => {
  let server: PulseServer;
  let env: Record<string, string>;
  let configDir: string;

  beforeAll(async () => {
    server = await PulseServer.start({ dataDir: await freshDataDir() });
    env = { PULSE_SERVER_PORT: String(server.port) };
    configDir = mkdtempSync(join(tmpdir(), 'pulse-client-e2e-'));
  });
  afterEach(() => ClientProcess.killAll());
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('prints --help with every mode', async () => {
    const { code, stdout } = await runClient(['--help']);
    expect(code).toBe(0);
    for (const mode of ['load', 'manual', 'send', 'chart']) expect(stdout).toContain(mode);
  });

  it('send: prints the reply and exits 0 on 2xx', async () => {
    expect(await runClient(['send', 'LOG', 'e2e-send', '-2.5E-4'], { env })).toEqual({
      code: 0,
      stdout: REPLY.inserted,
      stderr: '',
    });
    const query = await runClient(['send', 'QUERY e2e-send MIN 0'], { env });
    expect(query).toMatchObject({ code: 0, stdout: '200 [-0.00025]\n' });
    const alert = await runClient(['send', 'NEW-ALERT', 'e2e-send', 'MAX', '60', '1'], { env });
    expect(alert).toMatchObject({ code: 0, stdout: REPLY.alertRegistered });
  });

  it('send: exits 1 on any other reply', async () => {
    expect(await runClient(['send', 'FOO'], { env })).toMatchObject({
      code: 1,
      stdout: REPLY.unknownCommand,
    });
    expect(await runClient(['send', 'QUERY', 'e2e-never', 'AVG', '1'], { env })).toMatchObject({
      code: 1,
      stdout: REPLY.notFound,
    });
  });

  it('send: exits 1 with a message when the server is down', async () => {
    const port = await freePort();
    const { code, stdout, stderr } = await runClient(['--port', String(port), 'send', 'LOG a 1']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^pulse-client: connect ECONNREFUSED/);
  });

  it('send: takes the server from a config file', async () => {
    const file = join(configDir, 'client.yaml');
    writeFileSync(file, `PULSE_SERVER_HOST: 127.0.0.1\nPULSE_SERVER_PORT: ${server.port}\n`);
    const { code, stdout } = await runClient(['send', 'LOG e2e-config 1'], {
      env: { PULSE_CLIENT_CONFIG: file },
    });
    expect({ code, stdout }).toEqual({ code: 0, stdout: REPLY.inserted });
  });

  it('chart: draws the QUERY result, oldest window on the left', async () => {
    for (const value of [1, 9, 5]) await runClient(['send', `LOG e2e-chart ${value}`], { env });
    const { code, stdout } = await runClient(
      ['chart', 'e2e-chart', 'MAX', '0', '--height', '5', '--width', '40'],
      { env },
    );
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('QUERY e2e-chart MAX 0: 3 windows, min 1, max 9, oldest on the left');
    expect(lines).toHaveLength(8);
    expect(lines[1]).toMatch(/^\s+9 ┤╭╮/); // the peak is the second value
    expect(lines[5]).toMatch(/^\s+1 ┼╯/); // the first value is the lowest
    // The time axis: single values carry no stamps, so it ends at the reply's minute.
    expect(lines[6]).toMatch(/^ {11}first value {2}\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(lines[7]).toBe(`${' '.repeat(11)}time in UTC`);
  });

  it('chart: labels the time axis with `from` and `to`, in the --zone given', async () => {
    await runClient(['send', 'LOG e2e-chart-axis 1'], { env });
    const args = ['e2e-chart-axis', 'COUNT', '3600', '2020-01-01T00:00', '2030-01-01T05:30'];
    const { code, stdout } = await runClient(
      ['chart', ...args, '--zone', 'Asia/Kolkata', '--height', '3', '--width', '60'],
      { env },
    );
    expect(code).toBe(0);
    const [labels, note] = stdout.trimEnd().split('\n').slice(-2);
    expect(labels.trim()).toBe('2020-01-01 00:00  2030-01-01 05:30');
    expect(note.trim()).toBe('time in Asia/Kolkata');
  });

  it('chart: prints a failed QUERY as it is and exits 1', async () => {
    expect(await runClient(['chart', 'e2e-missing', 'AVG', '60'], { env })).toMatchObject({
      code: 1,
      stdout: REPLY.notFound,
    });
    expect(await runClient(['chart', 'e2e-chart', 'MEDIAN', '60'], { env })).toMatchObject({
      code: 1,
      stdout: REPLY.queryUsage,
    });
  });
});
