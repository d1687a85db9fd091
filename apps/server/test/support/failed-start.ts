/**
 * A server start that must fail: run it until it exits, then check the failure is one line on
 * stderr, `pulse: ` followed by the setting or file and the cause, exit code 1, no stack trace.
 */
import { spawn } from 'node:child_process';
import { environmentWithoutPulse, SERVER_ENTRY, SERVER_NODE_ARGS } from './spawn-server';

const EXIT_TIMEOUT_MS = 8000;
export interface FailedStart {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the server with `env` until it exits; SIGKILLs it after EXIT_TIMEOUT_MS. */
export function startExpectingFailure(
  env: Record<string, string>,
  uid?: number,
): Promise<FailedStart> {
  const inherited = environmentWithoutPulse();
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, SERVER_ENTRY], {
    env: { ...inherited, PULSE_HOST: '127.0.0.1', PULSE_PORT: '0', PULSE_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => {
    stderr += `\n[test: still running after ${EXIT_TIMEOUT_MS} ms; killed]\n`;
    child.kill('SIGKILL');
  }, EXIT_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    }),
  );
}

/** Exit 1, exactly one stderr line `pulse: ...` matching `names`, no stack frame. */
export function expectOneLine(result: FailedStart, names: RegExp): void {
  const context = `stderr was:\n${result.stderr}`;
  expect({ code: result.code, signal: result.signal, context }).toEqual({
    code: 1,
    signal: null,
    context,
  });
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).toMatch(/^pulse: [^\n]+\n$/);
  expect(result.stderr).toMatch(names);
}
