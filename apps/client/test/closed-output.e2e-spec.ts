import { spawn } from 'node:child_process';
import { LineClient } from '../../server/test/support/line-client';
import { REPLY } from '../../server/test/support/replies';
import { PulseServer, freshDataDir, removeDataDirs } from '../../server/test/support/spawn-server';
import { CLIENT_ENTRY } from './support/client-process';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * A reader that goes away (`| head`) ends the client quietly: exit 0, nothing on stderr, no
 * EPIPE stack trace.
 */
describe('client with a closed stdout (e2e)', () => {
  let server: PulseServer;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('PULSE_')),
  );
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await PulseServer.start({ dataDir: await freshDataDir() });
    env = { ...inherited, PULSE_SERVER_HOST: '127.0.0.1', PULSE_SERVER_PORT: String(server.port) };
    // 30,000 values: `QUERY ... COUNT 0` answers ~90 KB, more than a pipe holds.
    const client = await LineClient.connect(server.port);
    const replies = await client.pipeline(Array.from({ length: 30_000 }, () => 'LOG e2e-big 1'));
    client.destroy();
    expect(new Set(replies)).toEqual(new Set([REPLY.inserted]));
  });
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  /** Runs a bash pipeline with the client as `pulse`; the exit code is the client's (pipefail). */
  function pipeline(script: string): Promise<Run> {
    const child = spawn(
      'bash',
      ['-c', `set -o pipefail; pulse() { node "${CLIENT_ENTRY}" "$@"; }; ${script}`],
      {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    return new Promise((resolve) =>
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr });
      }),
    );
  }

  it('send: `| head -c 100` ends the client with exit 0 and nothing on stderr', async () => {
    expect(await pipeline('pulse send QUERY e2e-big COUNT 0 | head -c 100 > /dev/null')).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
  });

  it('send: a reader gone before the reply is written ends it the same way', async () => {
    const child = spawn(process.execPath, [CLIENT_ENTRY, 'send', 'QUERY e2e-big COUNT 60'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // our end of its stdout: its write meets EPIPE
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('load: `| head -n 3` ends the client with exit 0 and nothing on stderr', async () => {
    const result = await pipeline(
      'pulse load --interval 5 --ids e2e-head --summary-every 0.05 2>/dev/null | head -n 3 > /dev/null',
    );
    expect(result).toEqual({ code: 0, signal: null, stderr: '' });
  });
});
