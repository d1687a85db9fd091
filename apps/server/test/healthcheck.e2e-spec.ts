/**
 * bin/pulse-healthcheck.js, the containers' health check, run beside a real server with the same
 * settings: it asks over HTTP or HTTPS as the server is configured, with the token where the
 * health endpoints are guarded, checks the protocol port when HTTP is off, and fails (exit 1,
 * with the reason on stderr) when the server is gone or its settings do not load.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import {
  environmentWithoutPulse,
  freshDataDir,
  PulseServer,
  removeDataDirs,
} from './support/spawn-server';
import { TestPki } from './support/test-pki';

const HEALTHCHECK = join(process.cwd(), 'bin/pulse-healthcheck.js');

const unavailable = TestPki.unavailableReason();
if (unavailable && process.env.CI === 'true')
  throw new Error(`health check tests under CI=true: ${unavailable}`);
if (unavailable) console.warn(`health check HTTPS tests SKIPPED: ${unavailable}`);
const itWithPki = unavailable ? it.skip : it;

/** Runs the health check with `env` (no PULSE_* from this shell); its exit code and stderr. */
function healthcheck(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const inherited = environmentWithoutPulse();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [HEALTHCHECK],
      { env: { ...inherited, ...env }, timeout: 10_000 },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stderr });
      },
    );
  });
}

describe('pulse-healthcheck (e2e)', () => {
  let server: PulseServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  /** Starts a server with `env`; the settings the health check gets: the same, ports resolved. */
  async function start(env: Record<string, string>): Promise<Record<string, string>> {
    server = await PulseServer.start({ dataDir: await freshDataDir(), env });
    return {
      ...env,
      PULSE_HOST: '127.0.0.1',
      PULSE_PORT: String(server.port),
      PULSE_HTTP_HOST: '127.0.0.1',
      ...(env.PULSE_HTTP_PORT === 'off' ? {} : { PULSE_HTTP_PORT: String(server.httpPort) }),
    };
  }

  it('is healthy over HTTP, and says why not once the server stopped', async () => {
    const settings = await start({});
    expect(await healthcheck(settings)).toEqual({ code: 0, stderr: '' });
    await server?.stop();
    const gone = await healthcheck(settings);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^unhealthy: \/readyz: connect ECONNREFUSED/);
  }, 30_000);

  it('sends the token when PULSE_HTTP_TOKEN_SCOPE=all guards /readyz', async () => {
    const settings = await start({ PULSE_HTTP_TOKEN: 'tok-health', PULSE_HTTP_TOKEN_SCOPE: 'all' });
    expect(await healthcheck(settings)).toEqual({ code: 0, stderr: '' });
    const wrongToken = await healthcheck({ ...settings, PULSE_HTTP_TOKEN: 'other' });
    expect(wrongToken).toEqual({ code: 1, stderr: 'unhealthy: /readyz answered 401\n' });
  }, 30_000);

  it('checks the protocol port when HTTP is off', async () => {
    const settings = await start({ PULSE_HTTP_PORT: 'off' });
    expect(await healthcheck(settings)).toEqual({ code: 0, stderr: '' });
    await server?.stop();
    expect((await healthcheck(settings)).code).toBe(1);
  }, 30_000);

  itWithPki(
    'asks over HTTPS when the server has a certificate, and not over HTTP',
    async () => {
      const pki = TestPki.create();
      const ca = pki.ca('health-ca');
      const pair = pki.issue(ca, 'health-server', 'server');
      const settings = await start({
        PULSE_TLS_CERT_FILE: pair.cert,
        PULSE_TLS_KEY_FILE: pair.key,
      });
      expect(await healthcheck(settings)).toEqual({ code: 0, stderr: '' });
      const { PULSE_TLS_CERT_FILE: _cert, PULSE_TLS_KEY_FILE: _key, ...plain } = settings;
      expect((await healthcheck(plain)).code).toBe(1);
    },
    30_000,
  );

  it('is unhealthy, saying why, when the settings do not load', async () => {
    expect(await healthcheck({ PULSE_PORT: 'seventy' })).toEqual({
      code: 1,
      stderr: expect.stringMatching(/^unhealthy: invalid configuration: PULSE_PORT="seventy"/),
    });
  });
});
