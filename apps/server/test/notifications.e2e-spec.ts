/**
 * Alert notifications from the built server to a real Alertmanager (Debian's package) and to a
 * plain webhook: firing and resolution, an Alertmanager that is down while the rule fires, and
 * a server killed with notifications waiting, then restarted.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Alertmanager } from './support/alertmanager';
import { LineClient } from './support/line-client';
import { REPLY } from './support/replies';
import { freshDataDir, PulseServer, removeDataDirs } from './support/spawn-server';
import { sleep } from './support/timing';

const unavailable = Alertmanager.unavailableReason();
const skip = unavailable !== undefined && process.env.CI !== 'true';
if (skip) console.warn(`Alertmanager tests skipped: ${unavailable}`);
const describeWithAlertmanager = skip ? describe.skip : describe;

const PERIOD = { PULSE_ALERT_PERIOD_SECONDS: '1' };

/** Logs a value over the rule's limit every 200 ms until stopped: the rule keeps firing. */
function keepFiring(port: number, id: string): { stop: () => Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const client = await LineClient.connect(port);
    for (let i = 0; !stopped && i < 300; i++) {
      await client.request(`LOG ${id} 100`).catch(() => undefined);
      await sleep(200);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function registerRule(port: number, id: string): Promise<void> {
  const client = await LineClient.connect(port);
  expect(await client.request(`LOG ${id} 1`)).toBe(REPLY.inserted);
  expect(await client.request(`NEW-ALERT ${id} MAX 60 5`)).toBe(REPLY.alertRegistered);
}

describeWithAlertmanager('alert notifications to Alertmanager', () => {
  let alertmanager: Alertmanager;

  beforeEach(async () => {
    alertmanager = await Alertmanager.create();
  });
  afterEach(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await alertmanager.remove();
  });
  afterAll(() => removeDataDirs());

  it('sends a firing rule with labels that identify it, then its resolution', async () => {
    await alertmanager.start();
    const server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { ...PERIOD, PULSE_ALERTMANAGER_URLS: alertmanager.url },
    });
    await registerRule(server.port, 'am.cpu');
    const firing = keepFiring(server.port, 'am.cpu');
    const alert = await alertmanager.until({ metric: 'am.cpu' }, () => true);
    expect(alert?.labels).toEqual({
      alertname: 'PulseAlert',
      metric: 'am.cpu',
      op: 'MAX',
      secs: '60',
      limit: '5',
      instance: expect.stringMatching(/:\d+$/),
    });
    expect(alert?.annotations.summary).toBe('ALERT am.cpu: MAX is over 5');
    expect(JSON.parse(alert?.annotations.aggregates ?? '[]')).toEqual([100]);
    await firing.stop();
    // Firing alerts are sent to stay active for minutes: gone within seconds only if resolved.
    let gone = false;
    for (let waited = 0; waited < 15_000 && !gone; waited += 250) {
      gone = (await alertmanager.alerts()).every((a) => a.labels.metric !== 'am.cpu');
      await sleep(250);
    }
    expect(gone).toBe(true);
  }, 60_000);

  it('delivers an alert that fired while Alertmanager was down once it is up', async () => {
    const server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { ...PERIOD, PULSE_ALERTMANAGER_URLS: alertmanager.url },
    });
    await registerRule(server.port, 'am.down');
    const firing = keepFiring(server.port, 'am.down');
    try {
      await sleep(2500); // fired, and failed to send: Alertmanager is not running
      expect(server.output).toMatch(/alertmanager http:\/\/127\.0\.0\.1:\d+: .*retrying/);
      await alertmanager.start();
      const delivered = await alertmanager.until({ metric: 'am.down' }, () => true, 60_000);
      expect(delivered?.labels.op).toBe('MAX');
    } finally {
      await firing.stop();
    }
  }, 120_000);
});

describe('alert notifications to a webhook', () => {
  let receiver: Server;
  const received: Record<string, unknown>[] = [];
  /** While set, the receiver answers 503: an endpoint that is down. */
  let refusing = false;

  beforeAll(async () => {
    receiver = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (refusing) {
          response.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body) as Record<string, unknown>);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  const webhookEnv = () => ({
    ...PERIOD,
    PULSE_ALERT_WEBHOOK_URLS: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
  });
  /** Waits (at most `ms`) until the receiver holds `count` lines. */
  async function untilReceived(count: number, ms = 10_000): Promise<void> {
    for (let waited = 0; waited < ms && received.length < count; waited += 100) await sleep(100);
  }

  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await new Promise((resolve) => receiver.close(resolve));
    await removeDataDirs();
  });

  it('receives every journal line as JSON, including those journaled after a restart', async () => {
    const dataDir = await freshDataDir();
    const env = webhookEnv();
    let server = await PulseServer.start({ dataDir, env });
    await registerRule(server.port, 'hook.cpu');
    const client = await LineClient.connect(server.port);
    expect(await client.request('LOG hook.cpu 50')).toBe(REPLY.inserted);
    await untilReceived(2);
    expect(received.map((line) => line.state)).toEqual(['firing', 'resolved']);
    expect(received[0]).toMatchObject({ id: 'hook.cpu', op: 'MAX', limit: 5, aggregates: [50] });
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    server = await PulseServer.start({ dataDir, env });
    const again = await LineClient.connect(server.port);
    expect(await again.request('LOG hook.cpu 60')).toBe(REPLY.inserted);
    await untilReceived(4);
    expect(received.map((line) => line.state)).toEqual([
      'firing',
      'resolved',
      'firing',
      'resolved',
    ]);
    expect(received[2]).toMatchObject({ aggregates: [60] });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('delivers, after a SIGKILL and a restart, what was journaled while it was down', async () => {
    received.length = 0;
    refusing = true;
    const dataDir = await freshDataDir();
    const env = webhookEnv();
    let server = await PulseServer.start({ dataDir, env });
    await registerRule(server.port, 'hook.kill');
    const client = await LineClient.connect(server.port);
    expect(await client.request('LOG hook.kill 70')).toBe(REPLY.inserted);
    for (let waited = 0; waited < 10_000; waited += 100) {
      if (/webhook .*answered 503.*retrying/.test(server.output)) break;
      await sleep(100);
    }
    expect(server.output).toMatch(/webhook .*answered 503.*retrying/);
    expect((await server.kill()).signal).toBe('SIGKILL'); // the notification is still waiting
    refusing = false;
    server = await PulseServer.start({ dataDir, env });
    await untilReceived(2, 20_000);
    expect(received[0]).toMatchObject({ id: 'hook.kill', state: 'firing', aggregates: [70] });
    expect(received[1]).toMatchObject({ id: 'hook.kill', state: 'resolved' });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);
});
