import { copyFileSync } from 'node:fs';
import { PulseServer, freshDataDir, removeDataDirs } from '../../server/test/support/spawn-server';
import { REPLY } from '../../server/test/support/replies';
import { TestPki } from '../../server/test/support/test-pki';
import { ClientProcess, runClient } from './support/client-process';

const unavailable = TestPki.unavailableReason();
if (unavailable && process.env.CI === 'true') throw new Error(`client TLS tests: ${unavailable}`);
if (unavailable) console.warn(`client TLS tests SKIPPED: ${unavailable}`);
const describeTls = unavailable ? describe.skip : describe;

/** The client's --tls, --ca, --cert and --key against a server with TLS and mutual TLS. */
describeTls('client over TLS (e2e)', () => {
  const pki = unavailable ? undefined : TestPki.create();
  const ca = pki?.ca('client-test-ca');
  const server = pki && ca ? pki.issue(ca, 'client-test-server', 'server') : undefined;
  const client = pki && ca ? pki.issue(ca, 'client-test-client', 'client') : undefined;

  afterEach(() => ClientProcess.killAll());
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it('sends over TLS with --tls --ca, and fails in one line without --tls or with a bad file', async () => {
    const pulse = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_TLS_CERT_FILE: server!.cert, PULSE_TLS_KEY_FILE: server!.key },
    });
    const env = { PULSE_SERVER_PORT: String(pulse.port) };
    expect(
      await runClient(['--tls', '--ca', ca!.cert, 'send', 'LOG tls.client 1'], { env }),
    ).toEqual({ code: 0, stdout: REPLY.inserted, stderr: '' });
    // The same through the environment (and so the config file's keys).
    const viaEnv = { ...env, PULSE_SERVER_TLS: 'true', PULSE_SERVER_CA_FILE: ca!.cert };
    expect(await runClient(['send', 'QUERY tls.client COUNT 0'], { env: viaEnv })).toMatchObject({
      code: 0,
      stdout: '200 [1]\n',
    });
    const plain = await runClient(['--timeout', '2000', 'send', 'LOG tls.plain 1'], { env });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^pulse-client: [^\n]+\n$/);
    const missing = await runClient(['--tls', '--ca', '/nonexistent/ca.crt', 'send', 'LOG a 1'], {
      env,
    });
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'pulse-client: --ca /nonexistent/ca.crt cannot be read (ENOENT)\n',
    });
  });

  it('presents its certificate with --cert and --key where the server requires one', async () => {
    const caCopy = `${pki!.dir}/trusted-clients.crt`;
    copyFileSync(ca!.cert, caCopy);
    const pulse = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: {
        PULSE_TLS_CERT_FILE: server!.cert,
        PULSE_TLS_KEY_FILE: server!.key,
        PULSE_TLS_CLIENT_CA_FILE: caCopy,
      },
    });
    const env = { PULSE_SERVER_PORT: String(pulse.port) };
    const tls = ['--tls', '--ca', ca!.cert];
    const refused = await runClient([...tls, '--timeout', '2000', 'send', 'LOG mtls 1'], { env });
    expect(refused.code).toBe(1);
    const accepted = await runClient(
      [...tls, '--cert', client!.cert, '--key', client!.key, 'send', 'LOG mtls 1'],
      { env },
    );
    expect(accepted).toEqual({ code: 0, stdout: REPLY.inserted, stderr: '' });
  });
});
