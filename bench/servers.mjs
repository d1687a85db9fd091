// servers.mjs - child server processes for the benchmark: start one and wait for its
// `listening on host:port` line, stop it (SIGTERM) or kill it (SIGKILL), read its peak RSS, and
// measure a data directory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = /listening on [^\s:]+:(\d+)/;
const START_TIMEOUT_S = 30;
const STOP_TIMEOUT_S = 10;
const TAIL_LINES = 40;

const timeout = (s) => sleep(s * 1000, 'timeout', { ref: false });

/**
 * The Pulse server to run: `$PULSE_BENCH_SERVER` or the build; a .js/.mjs file runs with node,
 * with `$PULSE_BENCH_PULSE_NODE_ARGS` (space-separated) added to node's own flags: to profile
 * Pulse in a row (`--cpu-prof --cpu-prof-dir=/tmp/prof`) without profiling the generator too, as
 * NODE_OPTIONS would.
 */
export function pulseCommand(
  serverPath = process.env.PULSE_BENCH_SERVER || 'dist/apps/server/main.js',
) {
  const viaNode = /\.[cm]?js$/.test(serverPath);
  const nodeArgs = (process.env.PULSE_BENCH_PULSE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return {
    serverPath,
    command: viaNode ? process.execPath : serverPath,
    argv: viaNode ? ['--heap-growing-percent=50', ...nodeArgs, path.resolve(ROOT, serverPath)] : [],
  };
}

/** The durability Pulse runs with: PULSE_DURABILITY from the environment, else fsync. */
export const durability = () => process.env.PULSE_DURABILITY || 'fsync';

/**
 * Pulse's environment for the benchmark: 127.0.0.1, a free port, durability(), `dataDir`, `more`.
 */
export function pulseEnv(dataDir, more = {}) {
  return {
    ...process.env,
    PULSE_HOST: '127.0.0.1',
    PULSE_PORT: '0',
    PULSE_HTTP_HOST: '127.0.0.1',
    PULSE_HTTP_PORT: '0',
    PULSE_DATA_DIR: dataDir,
    PULSE_DURABILITY: durability(),
    PULSE_LOG_LEVEL: 'log',
    ...more,
  };
}

/** Starts Pulse (see pulseCommand; another build with `serverPath`) with pulseEnv(dataDir, more). */
export function startPulse(name, dataDir, more = {}, onLine = undefined, serverPath = undefined) {
  const { command, argv } = pulseCommand(serverPath);
  return startServer(name, command, argv, pulseEnv(dataDir, more), onLine);
}

/**
 * Starts a server process and waits for its `listening on host:port` line on stdout. Resolves to
 * the server (`startError` set when it did not get there). `onLine(line, fromStdout)` sees every
 * output line, colours removed, from the start on. `spawnedAt` and `readyAt` are
 * performance.now() times.
 */
export function startServer(name, command, argv, env, onLine = undefined) {
  const spawnedAt = performance.now();
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const srv = { name, child, pid: child.pid, port: 0, tail: [], exit: null, stopping: false };
  srv.spawnedAt = spawnedAt;
  srv.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      srv.exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (e) => {
      srv.exit = `spawn failed: ${e.message}`;
      resolve();
    });
  });
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => done(`not listening after ${START_TIMEOUT_S} s`),
      START_TIMEOUT_S * 1000,
    );
    let settled = false;
    function done(error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      srv.startError = error;
      resolve(srv);
    }
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop();
        for (const raw of lines) {
          const line = raw.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
          srv.tail.push(line);
          if (srv.tail.length > TAIL_LINES) srv.tail.shift();
          onLine?.(line, stream === child.stdout);
          const ready = stream === child.stdout && !srv.port && READY.exec(line);
          if (ready) {
            srv.port = Number(ready[1]);
            srv.readyAt = performance.now();
            done(undefined);
          }
        }
      });
    }
    srv.exited.then(() => done(`exited (${srv.exit}) before listening`));
  });
}

/** True while the server started and has not exited. */
export const alive = (srv) => Boolean(srv && !srv.startError && !srv.exit);

/** SIGTERM, wait for the exit, SIGKILL after STOP_TIMEOUT_S. Returns a note when it was forced. */
export async function stopServer(srv) {
  if (!srv || srv.exit) return '';
  srv.stopping = true;
  srv.child.kill('SIGTERM');
  const t0 = performance.now();
  if ((await Promise.race([srv.exited, timeout(STOP_TIMEOUT_S)])) !== 'timeout') {
    srv.stopSeconds = (performance.now() - t0) / 1000;
    return '';
  }
  srv.child.kill('SIGKILL');
  await Promise.race([srv.exited, timeout(5)]);
  return `${srv.name} did not exit within ${STOP_TIMEOUT_S} s of SIGTERM; killed`;
}

/** SIGKILL on purpose (not a death to report); resolves once it exited (or after 5 s: false). */
export async function killServer(srv) {
  if (!srv || srv.exit) return true;
  srv.stopping = true;
  srv.killed = true;
  srv.child.kill('SIGKILL');
  return (await Promise.race([srv.exited, timeout(5)])) !== 'timeout';
}

/** VmHWM of the process in MB (NaN once it is gone). */
export function peakRssMb(srv) {
  try {
    const status = fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Bytes and number of files under `dir`. */
export async function dirUsage(dir) {
  let bytes = 0;
  let files = 0;
  const walk = async (d) => {
    for (const e of await fs.promises.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        bytes += (await fs.promises.lstat(p)).size;
        files++;
      }
    }
  };
  await walk(dir);
  return { bytes, files };
}
