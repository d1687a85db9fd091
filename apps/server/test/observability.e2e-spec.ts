/**
 * The HTTP listener of the built server: /healthz, /readyz and /metrics, scraped by a real
 * Prometheus; PULSE_HTTP_PORT=off; an HTTP port in use is one start-up line and exit 1.
 */
import { createServer, type Server } from 'node:net';
import { LineClient } from './support/line-client';
import { Prometheus } from './support/prometheus';
import { REPLY } from './support/replies';
import { freshDataDir, PulseServer, removeDataDirs } from './support/spawn-server';
import { sleep } from './support/timing';

const unavailable = Prometheus.unavailableReason();
const skip = unavailable !== undefined && process.env.CI !== 'true';
if (skip) console.warn(`Prometheus tests skipped: ${unavailable}`);
const itWithPrometheus = skip ? it.skip : it;

/** The HTTP port the server logged (`HTTP on host:port`). */
describe('HTTP listener: health and metrics', () => {
  let server: PulseServer | undefined;
  let prometheus: Prometheus | undefined;

  afterEach(async () => {
    LineClient.destroyAll();
    await prometheus?.stop();
    prometheus = undefined;
    await PulseServer.killAll();
  });
  afterAll(() => removeDataDirs());

  it('answers /healthz and /readyz, and exposes Pulse metrics that follow the commands', async () => {
    server = await PulseServer.start({ dataDir: await freshDataDir() });
    const base = `http://127.0.0.1:${server.httpPort}`;
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    const client = await LineClient.connect(server.port);
    expect(await client.pipeline(['LOG m 1', 'LOG m 2', 'LOG m x', 'QUERY m AVG 60'])).toEqual([
      REPLY.inserted,
      REPLY.inserted,
      expect.stringMatching(/^400 /),
      '200 [1.5]\n',
    ]);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toMatch(/^pulse_values_acknowledged_total 2$/m);
    expect(text).toMatch(/^pulse_commands_total\{verb="LOG",class="4xx"\} 1$/m);
    expect(text).toMatch(/^pulse_commands_total\{verb="QUERY",class="2xx"\} 1$/m);
    expect(text).toMatch(/^pulse_connections_open 1$/m);
    expect(text).toMatch(/^pulse_commit_values_count [1-9]/m);
    expect(text).toMatch(/^pulse_query_seconds_count\{op="AVG"\} 1$/m);
    expect(text).toMatch(/^pulse_query_seconds_bucket\{op="MAX",le="\+Inf"\} 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  }, 30_000);

  itWithPrometheus(
    'is scraped by Prometheus: up is 1 and the acknowledged-values counter grows as a client logs',
    async () => {
      server = await PulseServer.start({ dataDir: await freshDataDir() });
      prometheus = await Prometheus.start(`127.0.0.1:${server.httpPort}`);
      expect(await prometheus.until('up{job="pulse"}', (v) => v === 1)).toBe(1);
      const before = await prometheus.until(
        'pulse_values_acknowledged_total',
        (v) => v !== undefined,
      );
      expect(before).toBe(0);
      const client = await LineClient.connect(server.port);
      const logs = Array.from({ length: 500 }, (_, i) => `LOG scraped ${i}`);
      expect(new Set(await client.pipeline(logs))).toEqual(new Set([REPLY.inserted]));
      expect(await prometheus.until('pulse_values_acknowledged_total', (v) => v === 500)).toBe(500);
    },
    60_000,
  );

  it('counts the commands answered 503 because too many were in flight', async () => {
    server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_MAX_IN_FLIGHT: '1' },
    });
    const base = `http://127.0.0.1:${server.httpPort}`;
    const client = await LineClient.connect(server.port);
    const replies = await client.pipeline(Array.from({ length: 20 }, (_, i) => `LOG busy ${i}`));
    const busy = replies.filter((reply) => reply === REPLY.busy).length;
    expect(busy).toBeGreaterThan(0);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(new RegExp(`^pulse_commands_busy_total ${busy}$`, 'm'));
  }, 30_000);

  it('has no HTTP listener with PULSE_HTTP_PORT=off', async () => {
    server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_HTTP_PORT: 'off' },
    });
    await sleep(300);
    expect(server.output).not.toMatch(/HTTP on/);
    expect(server.output).not.toMatch(/Mapped \{\/metrics/);
  }, 30_000);

  it('names PULSE_HTTP_PORT in one line and exits 1 when that port is taken', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const failing = PulseServer.spawn({
        dataDir: await freshDataDir(),
        env: { PULSE_HTTP_PORT: String(port) },
      });
      expect(await failing.waitForExit(20_000)).toEqual({ code: 1, signal: null });
      const lines = failing.output.trim().split('\n');
      expect(lines[lines.length - 1]).toBe(
        `pulse: PULSE_HTTP_PORT ${port} on PULSE_HTTP_HOST 127.0.0.1 is already in use (EADDRINUSE)`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 30_000);
});
