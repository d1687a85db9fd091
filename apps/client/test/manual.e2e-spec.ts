import { PulseServer, freshDataDir, removeDataDirs } from '../../server/test/support/spawn-server';
import { REPLY } from '../../server/test/support/replies';
import { ClientProcess, freePort, runClient } from './support/client-process';

/** `manual` driven through its stdin (not a terminal), against the built server. */
describe('client manual mode (e2e)', () => {
  let server: PulseServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await PulseServer.start({ dataDir: await freshDataDir() });
    env = { PULSE_SERVER_PORT: String(server.port) };
  });
  afterEach(() => ClientProcess.killAll());
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it('prints every reply of piped lines in order and exits 0 at end of input', async () => {
    const input = [
      'LOG e2e-manual 1',
      'LOG e2e-manual 3',
      '',
      'QUERY e2e-manual AVG 0',
      'FOO',
      'QUERY e2e-manual-none AVG 1',
      'LOG e2e-manual 2', // no final newline: still sent
    ].join('\n');
    const { code, stdout, stderr } = await runClient(['manual'], { env, input });
    expect(code).toBe(0);
    expect(stdout).toBe(
      REPLY.inserted +
        REPLY.inserted +
        '200 [1.0, 3.0]\n' +
        REPLY.unknownCommand +
        REPLY.notFound +
        REPLY.inserted,
    );
    // The banner, on stderr: the server's time in its date format, for QUERY's from/to.
    expect(stderr).toMatch(
      /^connected to 127\.0\.0\.1:\d+; server time now \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \(UTC\)\n/,
    );
  });

  it('shows the time in the given zone', async () => {
    const { stderr } = await runClient(['manual', '--zone', 'Asia/Kolkata'], { env, input: '' });
    const [, shown] = /server time now (\S+) \(Asia\/Kolkata\)/.exec(stderr) ?? [];
    const utc = new Date(`${shown}+05:30`).getTime();
    expect(Math.abs(utc - Date.now())).toBeLessThan(60_000);
  });

  it('answers line by line when driven interactively, and draws `chart` lines', async () => {
    const client = ClientProcess.start(['manual'], { env });
    await client.waitFor('stderr', /Ctrl-D exits/);
    client.write('LOG e2e-interactive 4\n');
    await client.waitFor('stdout', /201 Metric Inserted\n/);
    client.write('LOG e2e-interactive 8\n');
    await client.waitFor('stdout', /(201 Metric Inserted\n){2}/);
    client.write('chart e2e-interactive MAX 0\n');
    await client.waitFor('stdout', /QUERY e2e-interactive MAX 0: 2 windows, min 4, max 8/);
    client.write('chart e2e-interactive\n');
    await client.waitFor('stderr', /usage: chart <id> <op> <secs> \[from\] \[to\]/);
    client.endInput(); // Ctrl-D
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    expect(client.stdout).toMatch(/ 8 ┤ *╭/);
  });

  it('exits 0 on SIGTERM after the replies in flight', async () => {
    const client = ClientProcess.start(['manual'], { env });
    await client.waitFor('stderr', /Ctrl-D exits/);
    client.write('LOG e2e-manual-term 1\n');
    await client.waitFor('stdout', /201 Metric Inserted\n/);
    client.signal('SIGTERM');
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('exits 1 with a message when the server is down', async () => {
    const port = await freePort();
    const { code, stderr } = await runClient(['manual', '--port', String(port)], {
      input: 'LOG a 1\n',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/ECONNREFUSED/);
  });
});
