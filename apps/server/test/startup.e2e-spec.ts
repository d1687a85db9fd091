/**
 * Start-up failures against the built server: each is one line on stderr, `pulse: ` followed by
 * the setting or file and the cause, exit code 1, no stack trace, within a few seconds (a hang
 * fails the test instead of the suite).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { freshDataDir, PulseServer, removeDataDirs } from './support/spawn-server';
import { expectOneLine, startExpectingFailure } from './support/failed-start';
import { TestPki } from './support/test-pki';

/** An account that owns nothing here, to meet EACCES when the tests run as root. */
const NOBODY = 65534;

describe('server start-up failures (e2e)', () => {
  let dataDir: string;
  let blocker: Server | undefined;
  beforeEach(async () => (dataDir = await freshDataDir()));
  afterEach(async () => {
    blocker?.close();
    blocker = undefined;
    await PulseServer.killAll();
  });
  afterAll(() => removeDataDirs());

  it('names PULSE_PORT when the port is already in use (EADDRINUSE)', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const result = await startExpectingFailure({
      PULSE_DATA_DIR: dataDir,
      PULSE_PORT: String(port),
    });
    expectOneLine(result, new RegExp(`PULSE_PORT ${port} on 127\\.0\\.0\\.1 .*in use`));
  });

  it('names PULSE_HOST when it does not resolve (ENOTFOUND)', async () => {
    const result = await startExpectingFailure({
      PULSE_DATA_DIR: dataDir,
      PULSE_HOST: 'pulse-e2e.invalid',
    });
    expectOneLine(result, /PULSE_HOST pulse-e2e\.invalid does not resolve/);
  });

  it('names PULSE_HOST when it is not an address of this machine (EADDRNOTAVAIL)', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const result = await startExpectingFailure({
      PULSE_DATA_DIR: dataDir,
      PULSE_HOST: '192.0.2.1',
    });
    expectOneLine(result, /PULSE_HOST 192\.0\.2\.1 is not an address of this machine/);
  });

  it('names the file and line of a YAML file that does not parse', async () => {
    const file = join(dataDir, 'pulse.yaml');
    await writeFile(file, 'PULSE_PORT: 7070\nPULSE_HOST: [127.0.0.1\n');
    const result = await startExpectingFailure({ PULSE_DATA_DIR: dataDir, PULSE_CONFIG: file });
    expectOneLine(result, new RegExp(`PULSE_CONFIG ${file}: not valid YAML at line \\d`));
  });

  it('names the file and line of a .env file that does not parse', async () => {
    const file = join(dataDir, 'pulse.env');
    await writeFile(file, 'PULSE_PORT=7070\nPULSE_HOST 127.0.0.1\n');
    const result = await startExpectingFailure({ PULSE_DATA_DIR: dataDir, PULSE_CONFIG: file });
    expectOneLine(result, new RegExp(`PULSE_CONFIG ${file}: line 2 `));
  });

  it('names an invalid setting', async () => {
    const result = await startExpectingFailure({ PULSE_DATA_DIR: dataDir, PULSE_PORT: 'abc' });
    expectOneLine(result, /PULSE_PORT="abc"/);
  });

  it('names a data directory below a file (ENOTDIR)', async () => {
    const file = join(dataDir, 'a-file');
    await writeFile(file, '');
    const result = await startExpectingFailure({ PULSE_DATA_DIR: join(file, 'data') });
    expectOneLine(result, new RegExp(`${file}/data.*(ENOTDIR|not a directory)`));
  });

  it('names a data directory it may not write (EACCES)', async () => {
    const root = process.getuid?.() === 0;
    // As root only another account meets EACCES: a directory of root's it may not enter.
    const parent = join(dataDir, 'closed');
    await mkdir(parent, { mode: 0o700 });
    if (root) await chmod(dataDir, 0o755);
    else await chmod(parent, 0o500);
    const target = join(parent, 'data');
    const result = await startExpectingFailure(
      { PULSE_DATA_DIR: target },
      root ? NOBODY : undefined,
    );
    await chmod(parent, 0o700);
    expectOneLine(result, new RegExp(`${target}.*(EACCES|permission denied)`));
  });

  it('names a data directory that cannot be created (/proc/nope), without hanging', async () => {
    const result = await startExpectingFailure({ PULSE_DATA_DIR: '/proc/nope' });
    expectOneLine(result, /\/proc\/nope/);
  }, 15000);

  it('refuses a second server on a data directory in use, naming the directory', async () => {
    const first = await PulseServer.start({ dataDir });
    const result = await startExpectingFailure({ PULSE_DATA_DIR: dataDir });
    expectOneLine(result, new RegExp(`${dataDir}.*(lock|in use|another)`, 'i'));
    expect(first.hasExited).toBe(false);
  }, 15000);
  describe('TLS settings', () => {
    const pki = TestPki.unavailableReason() ? undefined : TestPki.create();
    const ca = pki?.ca('startup-ca');
    const server = pki && ca ? pki.issue(ca, 'startup-server', 'server') : undefined;
    const other = pki && ca ? pki.issue(ca, 'startup-other', 'server') : undefined;
    const maybe = pki ? it : it.skip;

    maybe('names PULSE_TLS_CERT_FILE when the file cannot be read', async () => {
      const result = await startExpectingFailure({
        PULSE_DATA_DIR: dataDir,
        PULSE_TLS_CERT_FILE: '/nonexistent/server.crt',
        PULSE_TLS_KEY_FILE: server!.key,
      });
      expectOneLine(
        result,
        /PULSE_TLS_CERT_FILE \/nonexistent\/server\.crt cannot be read \(ENOENT\)/,
      );
    });

    maybe("names both files when the key is not the certificate's", async () => {
      const result = await startExpectingFailure({
        PULSE_DATA_DIR: dataDir,
        PULSE_TLS_CERT_FILE: server!.cert,
        PULSE_TLS_KEY_FILE: other!.key,
      });
      expectOneLine(
        result,
        /PULSE_TLS_CERT_FILE .* PULSE_TLS_KEY_FILE .*not a usable certificate and key/,
      );
    });

    maybe('refuses a certificate without its key', async () => {
      const result = await startExpectingFailure({
        PULSE_DATA_DIR: dataDir,
        PULSE_TLS_CERT_FILE: server!.cert,
      });
      expectOneLine(result, /PULSE_TLS_CERT_FILE and PULSE_TLS_KEY_FILE go together/);
    });
  });
});
