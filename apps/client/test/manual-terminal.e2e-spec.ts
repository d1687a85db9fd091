import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PulseServer, freshDataDir, removeDataDirs } from '../../server/test/support/spawn-server';
import { CLIENT_ENTRY } from './support/client-process';

/** Escape sequences (colours, cursor moves) removed, so assertions read the visible text. */
const visible = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''); // eslint-disable-line no-control-regex

/**
 * `manual` on a real terminal: `script` gives the client a pseudo-terminal, as a user's shell
 * would, so the prompt and its redraws can be seen.
 */
describe('client manual mode on a terminal (e2e)', () => {
  let server: PulseServer;
  let tty: ChildProcessWithoutNullStreams | undefined;
  let screen = '';

  beforeAll(async () => {
    server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_IDLE_TIMEOUT_SECONDS: '0.5' },
    });
  });
  afterEach(() => tty?.kill('SIGKILL'));
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  async function waitForScreen(pattern: RegExp, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(visible(screen))) {
      if (Date.now() > deadline) {
        throw new Error(`terminal never showed ${pattern}:\n${JSON.stringify(visible(screen))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('redraws the prompt after the idle-timeout notice', async () => {
    const command = `exec "${process.execPath}" "${CLIENT_ENTRY}" manual --history-file ''`;
    tty = spawn('script', ['-qfec', command, '/dev/null'], {
      env: {
        ...process.env,
        PULSE_SERVER_HOST: '127.0.0.1',
        PULSE_SERVER_PORT: String(server.port),
        TERM: 'xterm',
      },
    });
    tty.stdout.setEncoding('utf8').on('data', (text: string) => (screen += text));
    const exited = new Promise((resolve) => tty!.once('close', resolve));
    await waitForScreen(/pulse> $/);
    // The server closes the idle connection after 0.5 s: a notice, then the prompt again.
    await waitForScreen(/reopened at the next command\r?\n/);
    await waitForScreen(/reopened at the next command\r?\npulse> $/, 1000);
    tty.stdin.write('LOG e2e-tty 1\r');
    await waitForScreen(/201 Metric Inserted\r?\npulse> $/);
    tty.stdin.write('\x04'); // Ctrl-D
    expect(await exited).toBe(0);
  });
});
