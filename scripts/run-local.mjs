// Starts the built server on ./data (as the container does: `node dist/apps/server/main.js`) and,
// once it listens, one load client sending random metrics. Ctrl-C stops both (the server drains).
import { spawn } from 'node:child_process';

const env = { PULSE_HOST: '127.0.0.1', PULSE_DATA_DIR: './data', ...process.env };
const server = spawn(process.execPath, ['dist/apps/server/main.js'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let client;

server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const ready = /listening on [^\s:]+:(\d+)/.exec(chunk.toString());
  if (ready && !client) {
    client = spawn(process.execPath, ['dist/apps/client/main.js', '--port', ready[1], 'load'], {
      env,
      stdio: 'inherit',
    });
  }
});
server.on('exit', (code) => {
  client?.kill('SIGTERM');
  process.exitCode = code ?? 1;
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    client?.kill('SIGTERM');
    server.kill('SIGTERM');
  });
}
