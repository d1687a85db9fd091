import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { PulseServer, freshDataDir, removeDataDirs } from '../../server/test/support/spawn-server';
import { CLIENT_ENTRY, ClientProcess, lastSummary } from './support/client-process';
import { storedCounts } from './support/stored-count';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP proxy to 127.0.0.1:`target` that holds every chunk from the server for `delayMs`. */
async function delayingProxy(target: number, delayMs: number) {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.on('data', (chunk) => setTimeout(() => client.write(chunk), delayMs));
    upstream.on('end', () => setTimeout(() => client.end(), delayMs));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}

/**
 * One stop request delivered twice (GNU `timeout` signals the child, then its process group)
 * drains like one; a second request later still exits at once.
 */
describe('client stop signals (e2e)', () => {
  let server: PulseServer;

  beforeAll(async () => {
    server = await PulseServer.start({ dataDir: await freshDataDir() });
  });
  afterEach(() => ClientProcess.killAll());
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it('drains and exits 0 when SIGTERM arrives twice within a moment', async () => {
    const id = 'e2e-double-term';
    // Replies reach the client 300 ms late, so both signals arrive while values are in flight.
    const proxy = await delayingProxy(server.port, 300);
    const client = ClientProcess.start(
      ['load', '--interval', '5', '--ids', id, '--summary-every', '0.1'],
      { env: { PULSE_SERVER_PORT: String(proxy.port) } },
    );
    try {
      await client.waitFor('stdout', /^sent=\d+ acked=[1-9]/m);
      client.signal('SIGTERM');
      await pause(20); // two deliveries, not one the kernel merges while pending
      client.signal('SIGTERM');
      expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    } finally {
      proxy.close();
    }
    expect(client.stderr).not.toContain('exiting without waiting');
    const final = lastSummary(client.stdout);
    expect(final).toMatchObject({ inflight: 0, lost: 0, errors: 0 });
    expect(await storedCounts(server.port, [id])).toEqual({ [id]: final.acked });
  });

  it('drains under `timeout` (which signals the client and its process group)', async () => {
    const id = 'e2e-gnu-timeout';
    const proxy = await delayingProxy(server.port, 300);
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('PULSE_')),
    );
    const args = ['load', '--interval', '5', '--ids', id];
    const child = spawn(
      'timeout',
      ['--preserve-status', '1', process.execPath, CLIENT_ENTRY, ...args],
      {
        env: {
          ...inherited,
          PULSE_SERVER_HOST: '127.0.0.1',
          PULSE_SERVER_PORT: String(proxy.port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // timeout signals its own process group: keep jest out of it
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    proxy.close();
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining('without') });
    const final = lastSummary(stdout);
    expect(final).toMatchObject({ inflight: 0, lost: 0, errors: 0 });
    expect(await storedCounts(server.port, [id])).toEqual({ [id]: final.acked });
  });

  describe('against a server that never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });

    it('exits 1 at once on a second signal well after the first', async () => {
      const { port } = silent.address() as AddressInfo;
      const client = ClientProcess.start(['load', '--interval', '5', '--ids', 'e2e-stuck'], {
        env: { PULSE_SERVER_PORT: String(port) },
      });
      await client.waitFor('stderr', /connected to/);
      client.signal('SIGTERM');
      await client.waitFor('stderr', /SIGTERM: stopping/);
      await pause(400);
      expect(client.hasExited).toBe(false); // still waiting for the replies in flight
      client.signal('SIGTERM');
      expect(await client.waitForExit()).toEqual({ code: 1, signal: null });
      expect(client.stderr).toContain('second SIGTERM: exiting without waiting');
    });
  });
});
