/**
 * TLS on the protocol port (PULSE_TLS_*), against the built server with certificates made by the
 * openssl command line: the protocol byte for byte over TLS; a plain-text client gets nothing;
 * mutual TLS refuses a client without a certificate, with one of another CA and with an expired
 * one, before any command is read; a client refuses an expired server certificate; a replaced
 * certificate serves new connections while old ones keep theirs; a broken one is not taken; and
 * 2,000 connections that never finish their handshake are dropped at the idle timeout while
 * others are served.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { LineClient } from './support/line-client';
import { REPLY } from './support/replies';
import { freshDataDir, PulseServer, removeDataDirs } from './support/spawn-server';
import { TestPki, type KeyPair } from './support/test-pki';
import { eventually, sleep, within } from './support/timing';

const unavailable = TestPki.unavailableReason();
if (unavailable && process.env.CI === 'true')
  throw new Error(`TLS tests under CI=true: ${unavailable}`);
if (unavailable) console.warn(`TLS tests SKIPPED: ${unavailable}`);
const describeTls = unavailable ? describe.skip : describe;

/** A TLS connection to the server, verifying it against `ca`, optionally with a client pair. */
function open(port: number, ca: KeyPair, client?: KeyPair): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host: '127.0.0.1',
        port,
        ca: readFileSync(ca.cert),
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
      },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

/** Sends the lines, resolves with the `count` reply lines, or rejects when the server closes. */
function exchange(socket: TLSSocket, lines: string[], count = lines.length): Promise<string[]> {
  return within(
    new Promise((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const replies = text.split(/(?<=\n)/);
        if (replies.filter((r) => r.endsWith('\n')).length >= count)
          resolve(replies.slice(0, count));
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(text)}`)));
      socket.write(lines.map((line) => `${line}\n`).join(''));
    }),
    10_000,
    'TLS replies',
  );
}

/** GET over HTTPS, verifying the server against `ca`, with a bearer token if given. */
function httpsGet(
  port: number,
  ca: KeyPair,
  path: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(
      {
        host: '127.0.0.1',
        port,
        path,
        ca: readFileSync(ca.cert),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
  });
}

describeTls('TLS on the protocol port', () => {
  const pki = unavailable ? undefined : TestPki.create();
  const ca = pki?.ca('pulse-test-ca') as KeyPair;
  const otherCa = pki?.ca('another-ca') as KeyPair;
  const serverPair = pki?.issue(ca, 'server-1', 'server') as KeyPair;
  const secondServer = pki?.issue(ca, 'server-2', 'server') as KeyPair;
  const expiredServer = pki?.issue(ca, 'server-expired', 'server', -1) as KeyPair;
  const client = pki?.issue(ca, 'client', 'client') as KeyPair;
  const strangerClient = pki?.issue(otherCa, 'stranger', 'client') as KeyPair;
  const expiredClient = pki?.issue(ca, 'client-expired', 'client', -1) as KeyPair;

  afterEach(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
  });
  afterAll(() => removeDataDirs());

  /** A server with TLS on files it may replace (copies of `pair`). */
  async function start(pair: KeyPair, env: Record<string, string> = {}) {
    const files = {
      cert: `${pki!.dir}/live-${Date.now()}.crt`,
      key: `${pki!.dir}/live-${Date.now()}.key`,
    };
    copyFileSync(pair.cert, files.cert);
    copyFileSync(pair.key, files.key);
    const server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_TLS_CERT_FILE: files.cert, PULSE_TLS_KEY_FILE: files.key, ...env },
    });
    return { server, files };
  }

  it('speaks the protocol byte for byte over TLS 1.2 or later, and nothing to a plain-text client', async () => {
    const { server } = await start(serverPair);
    expect(server.output).toMatch(/listening on 127\.0\.0\.1:\d+ with TLS/);
    const socket = await open(server.port, ca);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(socket.getProtocol());
    expect(
      await exchange(socket, ['LOG tls.cpu 0.5', 'LOG tls.cpu 1', 'QUERY tls.cpu AVG 60', 'FOO']),
    ).toEqual([REPLY.inserted, REPLY.inserted, '200 [0.75]\n', REPLY.unknownCommand]);
    socket.destroy();

    const plain = await LineClient.connect(server.port);
    await expect(plain.request('LOG tls.plain 1', 3000)).rejects.toThrow();
    const again = await open(server.port, ca);
    expect(await exchange(again, ['QUERY tls.plain COUNT 0'])).toEqual([REPLY.notFound]);
    again.destroy();
  });

  it('passes scripts/validate-server.sh --tls (openssl s_client), and fails it with another CA', async () => {
    const { server } = await start(serverPair);
    const validate = (caFile: string) =>
      spawnSync(
        'scripts/validate-server.sh',
        ['--local', `127.0.0.1:${server.port}`, '--tls', caFile],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
    const passed = validate(ca.cert);
    expect({ status: passed.status, out: passed.stdout }).toEqual({
      status: 0,
      out: `validate: OK: 127.0.0.1:${server.port} answered LOG and QUERY byte for byte\n`,
    });
    expect(validate(otherCa.cert).status).toBe(1);
  }, 30_000);

  it('refuses, with mutual TLS, clients without a certificate of the CA before reading a command', async () => {
    const { server } = await start(serverPair, { PULSE_TLS_CLIENT_CA_FILE: ca.cert });
    expect(server.output).toMatch(/with TLS \(client certificates required\)/);
    for (const [what, pair] of [
      ['no certificate', undefined],
      ['another CA', strangerClient],
      ['an expired certificate', expiredClient],
    ] as const) {
      // The handshake fails (TLS 1.2) or the server's alert ends the connection as the command
      // is sent (TLS 1.3: the client's side of the handshake is done first): no reply either way.
      const outcome = await open(server.port, ca, pair)
        .then((socket) => exchange(socket, ['LOG tls.refused 1']))
        .then(
          (replies) => `answered ${JSON.stringify(replies)}`,
          () => 'refused',
        );
      expect({ what, outcome }).toEqual({ what, outcome: 'refused' });
    }
    const trusted = await open(server.port, ca, client);
    expect(await exchange(trusted, ['QUERY tls.refused COUNT 0', 'LOG tls.ok 1'])).toEqual([
      REPLY.notFound,
      REPLY.inserted,
    ]);
    trusted.destroy();
  });

  it('is refused by a client that checks the certificate when it has expired', async () => {
    const { server } = await start(expiredServer);
    await expect(open(server.port, ca)).rejects.toThrow(/expired/i);
  });

  it('serves new connections with a replaced certificate while old ones keep theirs; keeps a good one over a broken one', async () => {
    const { server, files } = await start(serverPair);
    const old = await open(server.port, ca);
    const serialOf = (socket: TLSSocket) => socket.getPeerCertificate().serialNumber;
    const firstSerial = serialOf(old);
    copyFileSync(secondServer.key, files.key);
    copyFileSync(secondServer.cert, files.cert);
    expect(
      await eventually(
        async () => {
          const socket = await open(server.port, ca);
          const serial = serialOf(socket);
          socket.destroy();
          return serial !== firstSerial;
        },
        5000,
        100,
      ),
    ).toBe(true);
    expect(await exchange(old, ['LOG tls.old 1'])).toEqual([REPLY.inserted]);

    writeFileSync(files.cert, 'not a certificate\n');
    process.kill(server.pid!, 'SIGHUP');
    await server.waitForOutput(/kept the previous TLS certificate/);
    const after = await open(server.port, ca);
    expect(serialOf(after)).not.toBe(firstSerial); // still the second one
    expect(await exchange(after, ['QUERY tls.old COUNT 0'])).toEqual(['200 [1]\n']);
    after.destroy();
    old.destroy();
  });

  it('serves HTTPS with the protocol pair, and guards /metrics and health only with PULSE_HTTP_TOKEN_SCOPE=all', async () => {
    const { server } = await start(serverPair, { PULSE_HTTP_TOKEN: 'tok-https' });
    expect(server.output).toMatch(/HTTP on 127\.0\.0\.1:\d+ with TLS/);
    const get = (path: string, token?: string) => httpsGet(server.httpPort, ca, path, token);
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/api/server')).status).toBe(401);
    expect((await get('/api/server', 'tok-https')).status).toBe(200);
    // Plain HTTP to the HTTPS port gets no page.
    await expect(fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).rejects.toThrow();

    const { server: guarded } = await start(serverPair, {
      PULSE_HTTP_TOKEN: 'tok-all',
      PULSE_HTTP_TOKEN_SCOPE: 'all',
      PULSE_HTTP_TLS_CERT_FILE: secondServer.cert,
      PULSE_HTTP_TLS_KEY_FILE: secondServer.key,
    });
    const getGuarded = async (path: string, token?: string) =>
      (await httpsGet(guarded.httpPort, ca, path, token)).status;
    expect(await getGuarded('/metrics')).toBe(401);
    expect(await getGuarded('/readyz')).toBe(401);
    expect(await getGuarded('/metrics', 'tok-all')).toBe(200);
    expect(guarded.output).not.toContain('tok-all');
  });

  it('drops 2,000 connections that never finish their handshake at the idle timeout, serving others meanwhile', async () => {
    const { server } = await start(serverPair, {
      PULSE_IDLE_TIMEOUT_SECONDS: '2',
      PULSE_MAX_CONNECTIONS: '2500',
    });
    const stalled: LineClient[] = [];
    for (let batch = 0; batch < 10; batch++) {
      stalled.push(
        ...(await Promise.all(Array.from({ length: 200 }, () => LineClient.connect(server.port)))),
      );
    }
    const served = await open(server.port, ca);
    expect(await exchange(served, ['LOG tls.storm 1'])).toEqual([REPLY.inserted]);
    const closes = await within(
      Promise.all(stalled.map((c) => c.closed(15_000))),
      20_000,
      'stalled handshakes closed',
    );
    expect(closes).toHaveLength(2000);
    await sleep(100);
    const later = await open(server.port, ca);
    expect(await exchange(later, ['QUERY tls.storm COUNT 0'])).toEqual(['200 [1]\n']);
    later.destroy();
    served.destroy();
  }, 60_000);
});
