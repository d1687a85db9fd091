// Starts the built server on ./data as the container does (`node --heap-growing-percent=50
// dist/apps/server/main.js`, the V8 flag on the command line, where V8 reads it) and,
// once it listens, one load client sending random metrics. Ctrl-C stops both (the server drains).
// The children get their own process groups: a terminal's Ctrl-C reaches only this script, which
// forwards one SIGTERM to each (a second signal would make them exit without draining).
import { spawn } from 'node:child_process';

const env = { PULSE_HOST: '127.0.0.1', PULSE_DATA_DIR: './data', ...process.env };
const server = spawn(process.execPath, ['--heap-growing-percent=50', 'dist/apps/server/main.js'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
let client;

server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const ready = /listening on [^\s:]+:(\d+)/.exec(chunk.toString());
  if (ready && !client) {
    client = spawn(process.execPath, ['dist/apps/client/main.js', '--port', ready[1], 'load'], {
      env,
      stdio: 'inherit',
      detached: true,
    });
  }
});
server.on('exit', (code) => {
  client?.kill('SIGTERM');
  process.exitCode = code ?? 1;
});
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    client?.kill('SIGTERM');
    server.kill('SIGTERM');
  });
}
