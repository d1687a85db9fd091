import { PulseServer, freshDataDir, removeDataDirs } from '../../server/test/support/spawn-server';
import { ClientProcess, freePort, lastSummary, runClient } from './support/client-process';
import { storedCounts } from './support/stored-count';

/**
 * `load` against the built server: bounded runs stop by themselves, SIGTERM drains, and what
 * the client reports as acknowledged is exactly what the server stored.
 */
describe('client load mode (e2e)', () => {
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

  it('sends --count values, prints summaries, stops by itself; the server stored all of them', async () => {
    const { code, stdout, stderr } = await runClient(
      [
        'load',
        '--count',
        '50',
        '--interval',
        '5',
        '--ids',
        'e2e-count-a,e2e-count-b',
        '--summary-every',
        '0.1',
      ],
      { env },
    );
    expect(code).toBe(0);
    expect(stderr).toContain(`connected to 127.0.0.1:${server.port}`);
    expect(lastSummary(stdout, '')).toMatchObject({ errors: 0, lost: 0 }); // a periodic line
    expect(lastSummary(stdout)).toMatchObject({
      sent: 50,
      acked: 50,
      busy: 0,
      errors: 0,
      lost: 0,
      inflight: 0,
    });
    expect(await storedCounts(server.port, ['e2e-count-a', 'e2e-count-b'])).toEqual({
      'e2e-count-a': 25,
      'e2e-count-b': 25,
    });
  });

  it('names the default ids after the client name, made valid', async () => {
    const { code } = await runClient(['load', '--count', '6', '--interval', '1'], {
      env: { ...env, PULSE_CLIENT_NAME: 'e2e host/1' },
    });
    expect(code).toBe(0);
    const ids = ['e2e_host_1.cpu', 'e2e_host_1.mem', 'e2e_host_1.latency'];
    expect(Object.values(await storedCounts(server.port, ids))).toEqual([2, 2, 2]);
  });

  it('stops by itself after --duration', async () => {
    const started = Date.now();
    const { code, stdout } = await runClient(
      ['load', '--duration', '0.5', '--interval', '10', '--ids', 'e2e-duration'],
      { env },
    );
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    const final = lastSummary(stdout);
    expect(final).toMatchObject({ inflight: 0, lost: 0, errors: 0 });
    expect(final.acked).toBeGreaterThan(10);
    expect(await storedCounts(server.port, ['e2e-duration'])).toEqual({
      'e2e-duration': final.acked,
    });
  });

  it('sends the host statistics with --source host', async () => {
    const { code } = await runClient(
      ['load', '--source', 'host', '--name', 'e2e-host', '--count', '6', '--interval', '1'],
      { env },
    );
    expect(code).toBe(0);
    const ids = ['e2e-host.load1', 'e2e-host.free_mem_mib', 'e2e-host.cpu_pct'];
    expect(Object.values(await storedCounts(server.port, ids))).toEqual([2, 2, 2]);
  });

  it('on SIGTERM stops, waits for the replies in flight, prints a final summary, exits 0', async () => {
    const client = ClientProcess.start(
      ['load', '--interval', '2', '--ids', 'e2e-sigterm', '--summary-every', '0.1'],
      { env },
    );
    await client.waitFor('stdout', /^sent=\d+ acked=[1-9]/m);
    client.signal('SIGTERM');
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    expect(client.stderr).toContain('SIGTERM: stopping');
    const final = lastSummary(client.stdout);
    expect(final).toMatchObject({ inflight: 0, lost: 0, errors: 0, busy: 0 });
    expect(final.sent).toBe(final.acked);
    expect(await storedCounts(server.port, ['e2e-sigterm'])).toEqual({
      'e2e-sigterm': final.acked,
    });
  });

  it('retries LOGs answered 503 until each value is stored once', async () => {
    const busyServer = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_MAX_IN_FLIGHT: '2' },
    });
    const { code, stdout } = await runClient(
      [
        'load',
        '--count',
        '100',
        '--interval',
        '0',
        '--max-in-flight',
        '10',
        '--busy-pause',
        '10',
        '--ids',
        'e2e-busy',
      ],
      { env: { PULSE_SERVER_PORT: String(busyServer.port) } },
    );
    expect(code).toBe(0);
    const final = lastSummary(stdout);
    expect(final).toMatchObject({ acked: 100, errors: 0, lost: 0, inflight: 0 });
    expect(final.busy).toBeGreaterThan(0);
    expect(final.sent).toBe(100 + final.busy);
    expect(await storedCounts(busyServer.port, ['e2e-busy'])).toEqual({ 'e2e-busy': 100 });
    await busyServer.stop();
  });
});

describe('client load mode across server restarts (e2e)', () => {
  afterEach(async () => {
    await ClientProcess.killAll();
    await PulseServer.killAll();
  });
  afterAll(() => removeDataDirs());

  it('backs off while the server is down, reconnects, and accounts for every LOG', async () => {
    const port = await freePort();
    const dataDir = await freshDataDir();
    const serverEnv = { PULSE_PORT: String(port), PULSE_HTTP_PORT: '0' };
    const client = ClientProcess.start([
      '--port',
      String(port),
      'load',
      '--interval',
      '5',
      '--ids',
      'e2e-restart',
      '--backoff-max',
      '200',
      '--summary-every',
      '0.1',
    ]);
    // Down: refused attempts, with a delay before each retry.
    await client.waitForCount(
      'stderr',
      /^cannot connect to .*ECONNREFUSED.*; retrying in \d+ ms$/gm,
      3,
    );

    let server = await PulseServer.start({ dataDir, env: serverEnv });
    await client.waitFor('stdout', /^sent=\d+ acked=[1-9]/m);

    await server.kill(); // a crash: LOGs in flight may be lost
    await client.waitFor('stderr', /connection lost/);
    await client.waitForCount('stderr', /^cannot connect/gm, 4);

    server = await PulseServer.start({ dataDir, env: serverEnv });
    await client.waitForCount('stderr', /^connected to /gm, 2);
    const ackedBefore = lastSummary(client.stdout, '').acked;
    await client.waitFor('stdout', new RegExp(`acked=(?!${ackedBefore} )\\d+`));

    client.signal('SIGTERM');
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    expect(client.stderr.match(/^connected to /gm)).toHaveLength(2);
    const final = lastSummary(client.stdout);
    expect(final.inflight).toBe(0);
    expect(final.sent).toBe(final.acked + final.busy + final.errors + final.lost);
    // Every acknowledged value survived the crash; a lost one may or may not have been stored.
    const stored = (await storedCounts(server.port, ['e2e-restart']))['e2e-restart'];
    expect(stored).toBeGreaterThanOrEqual(final.acked);
    expect(stored).toBeLessThanOrEqual(final.acked + final.lost);
  });
});
