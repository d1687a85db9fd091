// Starts the built server on ./data as the container does (`pulse-server`: node with its V8
// flags on the command line, where V8 reads them; see bin/pulse-server.js) and, once it
// listens, one load client (`pulse-client load`) sending random metrics. Ctrl-C stops both (the server drains).
// The children get their own process groups: a terminal's Ctrl-C reaches only this script, which
// forwards one SIGTERM to each (a second signal would make them exit without draining).
import { spawn } from 'node:child_process';

const env = { PULSE_HOST: '127.0.0.1', PULSE_DATA_DIR: './data', ...process.env };
const server = spawn('bin/pulse-server.js', [], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
let client;

server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const ready = /listening on [^\s:]+:(\d+)/.exec(chunk.toString());
  if (ready && !client) {
    client = spawn('bin/pulse-client.js', ['--port', ready[1], 'load'], {
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
