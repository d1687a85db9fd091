// run.mjs - the Pulse benchmark: the same loads against the Pulse server and against the bare Node
// line sink (bench/line-sink.mjs, the floor of any Node server), printed as one table.
//
//   npm run bench                      (= npm run build && node bench/run.mjs)
//   node bench/run.mjs [--only pipelined,reqresp,oneshot,many,query] [--duration 3] [--warmup 0.5]
//                      [--query-values 1000000] [--threads 2] [--preload-timeout S]
//
// It builds nothing: it runs dist/apps/server/main.js (or the command in PULSE_BENCH_SERVER) on
// 127.0.0.1, a free port and a fresh data directory under the system temp dir, with fsync
// durability. It measures and reports; it asserts nothing about time. Wrong replies, unanswered
// lines and connection errors are flagged in the table ("!n", explained under it). Exit code 1
// only when a server could not be started or died during the run. Progress goes to stderr.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeProblems, runLoad } from './loadgen.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = ['pipelined', 'reqresp', 'oneshot', 'many', 'query'];
const READY = /listening on [^\s:]+:(\d+)/;
const MANY_IDS = 10_000;
const QUERY_ID = 'bench.q';
const QUERY = `QUERY ${QUERY_ID} AVG 60`;
const QUERY_WARMUPS = 3;
const QUERY_COUNT = 30;
const QUERY_TIMEOUT_S = 60;
const START_TIMEOUT_S = 30;
const STOP_TIMEOUT_S = 10;

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const fmtRatio = (a, b) => (a > 0 && b > 0 ? (a / b).toFixed(2) : '');

// ---------- options ----------
const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '0.5' },
    'query-values': { type: 'string', default: '1000000' },
    threads: { type: 'string', default: '2' },
    'preload-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const head = text.split('\n').filter((l) => l.startsWith('//'));
  process.stdout.write(head.map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const only = args.only ? args.only.split(',').map((s) => s.trim()) : SCENARIOS;
const unknown = only.filter((s) => !SCENARIOS.includes(s));
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const threads = Number(args.threads);
const queryValues = Number(args['query-values']);
const preloadTimeout = args['preload-timeout']
  ? Number(args['preload-timeout'])
  : Math.max(300, Math.ceil(queryValues / 5000));
const bad =
  (unknown.length && `unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`) ||
  (!(duration > 0 && duration <= 600) && '--duration must be in (0, 600] seconds') ||
  (!(warmup >= 0 && warmup <= 60) && '--warmup must be in [0, 60] seconds') ||
  (!(Number.isInteger(threads) && threads >= 1 && threads <= 64) && '--threads must be 1..64') ||
  (!(Number.isInteger(queryValues) && queryValues >= 1) &&
    '--query-values must be a positive integer') ||
  (!(preloadTimeout > 0) && '--preload-timeout must be positive');
if (bad) {
  process.stderr.write(`run.mjs: ${bad}\n`);
  process.exit(2);
}

// ---------- child servers ----------
/** Starts a server process and waits for its `listening on host:port` line on stdout. */
function startServer(name, command, argv, env) {
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const srv = { name, child, pid: child.pid, port: 0, tail: [], exit: null, stopping: false };
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
          if (srv.tail.length > 40) srv.tail.shift();
          const ready = stream === child.stdout && !srv.port && READY.exec(line);
          if (ready) {
            srv.port = Number(ready[1]);
            done(undefined);
          }
        }
      });
    }
    srv.exited.then(() => done(`exited (${srv.exit}) before listening`));
  });
}

/** SIGTERM, wait for the exit, SIGKILL after STOP_TIMEOUT_S. Returns a note when it was forced. */
async function stopServer(srv) {
  if (!srv || srv.exit) return '';
  srv.stopping = true;
  srv.child.kill('SIGTERM');
  const t0 = performance.now();
  const timeout = (s) => sleep(s * 1000, 'timeout', { ref: false });
  if ((await Promise.race([srv.exited, timeout(STOP_TIMEOUT_S)])) !== 'timeout') {
    srv.stopSeconds = (performance.now() - t0) / 1000;
    return '';
  }
  srv.child.kill('SIGKILL');
  await Promise.race([srv.exited, timeout(5)]);
  return `${srv.name} did not exit within ${STOP_TIMEOUT_S} s of SIGTERM; killed`;
}

function peakRssMb(srv) {
  try {
    const status = fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function dirUsage(dir) {
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

// ---------- QUERY latency ----------
/** Sends `command` sequentially on one connection; resolves to the latencies (ms) and checks. */
async function queryLatency(port, command, warmups, count) {
  const out = { times: [], bad: 0, samples: new Map(), error: '' };
  const sock = net.connect({ host: '127.0.0.1', port, noDelay: true });
  let chunks = [];
  let waiting = null;
  sock.on('data', (buf) => {
    let at = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, at)) {
      chunks.push(buf.subarray(at, nl));
      const line = Buffer.concat(chunks).toString('utf8');
      chunks = [];
      at = nl + 1;
      if (waiting) waiting.resolve(line);
      waiting = null;
    }
    if (at < buf.length) chunks.push(buf.subarray(at));
  });
  const failed = new Promise((resolve) => {
    sock.on('error', (e) => resolve(`connection error: ${e.code ?? e.message}`));
    sock.on('close', () => resolve('connection closed by the server'));
  });
  const connected = new Promise((resolve) => sock.once('connect', () => resolve('')));
  const timeout = (s) => sleep(s * 1000, `no reply within ${s} s`, { ref: false });
  try {
    out.error = await Promise.race([connected, failed, timeout(10)]);
    for (let i = 0; i < warmups + count && !out.error; i++) {
      const reply = new Promise((resolve) => (waiting = { resolve }));
      const t0 = performance.now();
      sock.write(`${command}\n`);
      const line = await Promise.race([reply, failed, timeout(QUERY_TIMEOUT_S)]);
      const ms = performance.now() - t0;
      if (waiting) {
        out.error = line; // failed or timed out
        break;
      }
      const text = line.replace(/\r$/, '');
      if (!text.startsWith('200 [')) {
        out.bad++;
        const sample = text.length > 120 ? `${text.slice(0, 120)}...` : text;
        out.samples.set(sample, (out.samples.get(sample) ?? 0) + 1);
      }
      if (i >= warmups) out.times.push(ms);
      if (i === warmups + count - 1) out.replyLength = text.length;
    }
  } finally {
    sock.destroy();
  }
  return out;
}

const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// ---------- main ----------
const rows = []; // [scenario, pulse cell, sink cell, ratio cell]
const notes = []; // footnotes for flagged cells
const extra = []; // lines printed under the table
let exitCode = 0;
let pulse = null;
let sink = null;
let dataDir = '';
let ackedByPulse = 0;

function flag(cell, text) {
  notes.push(text);
  return `${cell} !${notes.length}`;
}

function loadCell(srv, r) {
  if (!r) return srv?.exit ? 'server exited' : 'not run';
  const cell = fmtInt(r.rate);
  return r.flagged ? flag(cell, `${srv.name}: ${describeProblems(r)}`) : cell;
}

/** Runs one load against a server, unless that server is gone. */
async function load(srv, label, options) {
  if (!srv || srv.startError || srv.exit) return null;
  log(`${label} on ${srv.name} ...`);
  const r = await runLoad({ port: srv.port, threads, duration, warmup, ...options });
  if (srv === pulse) ackedByPulse += r.ok;
  log(
    `  ${fmtInt(r.rate)}/s in ${r.seconds.toFixed(2)} s` +
      (r.flagged ? `, PROBLEMS: ${describeProblems(r)}` : ''),
  );
  await sleep(300); // let the server settle before the next load
  return r;
}

async function loadRow(label, options) {
  const s = await load(sink, label, options);
  const p = await load(pulse, label, options);
  rows.push([label, loadCell(pulse, p), loadCell(sink, s), fmtRatio(p?.rate, s?.rate)]);
  return { p, s };
}

async function stopServers() {
  return [await stopServer(pulse), await stopServer(sink)].filter(Boolean);
}

async function cleanup() {
  await stopServers();
  if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
  dataDir = '';
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping the servers and removing ${dataDir || 'nothing'}`);
    cleanup().finally(() => process.exit(130));
  });
}

async function main() {
  const startedAt = new Date();
  const cpus = os.cpus();
  log('starting the bare Node sink and Pulse');
  sink = await startServer(
    'bare Node sink',
    process.execPath,
    [path.join(ROOT, 'bench/line-sink.mjs'), '0'],
    process.env,
  );
  if (sink.startError)
    throw new Error(`the bare Node sink failed: ${sink.startError}\n${sink.tail.join('\n')}`);

  dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-'));
  const serverPath = process.env.PULSE_BENCH_SERVER || 'dist/apps/server/main.js';
  const viaNode = /\.[cm]?js$/.test(serverPath);
  pulse = await startServer(
    'Pulse',
    viaNode ? process.execPath : serverPath,
    viaNode ? [path.resolve(ROOT, serverPath)] : [],
    {
      ...process.env,
      PULSE_HOST: '127.0.0.1',
      PULSE_PORT: '0',
      PULSE_DATA_DIR: dataDir,
      PULSE_DURABILITY: 'fsync',
      PULSE_LOG_LEVEL: 'log',
    },
  );
  if (pulse.startError) {
    exitCode = 1;
    extra.push(`Pulse (${serverPath}) failed to start: ${pulse.startError}; its last output:`);
    extra.push(...pulse.tail.map((l) => `    ${l}`));
    log(`Pulse failed to start: ${pulse.startError}`);
  } else
    log(
      `Pulse (pid ${pulse.pid}) on port ${pulse.port}, data in ${dataDir}; sink on port ${sink.port}`,
    );

  const has = (s) => only.includes(s);
  let single = null;
  if (has('pipelined')) single = await loadRow('pipelined LOG 8x64 (LOG/s)', { mode: 'pipelined' });
  if (has('reqresp')) await loadRow('request/response LOG 64x1 (LOG/s)', { mode: 'reqresp' });
  if (has('oneshot'))
    await loadRow('one connection per LOG, 16 at a time (LOG/s)', { mode: 'oneshot' });
  if (has('many')) {
    const many = await loadRow(
      `pipelined LOG 8x64, ${fmtInt(MANY_IDS)} metrics round-robin (LOG/s)`,
      {
        mode: 'pipelined',
        ids: MANY_IDS,
        id: 'bench.m',
      },
    );
    if (single)
      rows.push([
        '  rate with many metrics / with one metric',
        fmtRatio(many.p?.rate, single.p?.rate),
        fmtRatio(many.s?.rate, single.s?.rate),
        '',
      ]);
  }
  if (has('query')) {
    const label = `preload ${fmtInt(queryValues)} LOG ${QUERY_ID}, pipelined 8x64 (LOG/s)`;
    const preload = {
      mode: 'pipelined',
      id: QUERY_ID,
      total: queryValues,
      timeLimit: preloadTimeout,
    };
    // the sink run is only there for the ratio; Pulse's acknowledgements are exact (--total)
    await loadRow(label, preload);
    let q = null;
    if (pulse && !pulse.startError && !pulse.exit) {
      log(`${QUERY} x ${QUERY_WARMUPS} + ${QUERY_COUNT} on Pulse ...`);
      q = await queryLatency(pulse.port, QUERY, QUERY_WARMUPS, QUERY_COUNT);
    }
    const what = `${QUERY} over ${fmtInt(queryValues)} values`;
    if (!q) {
      rows.push([`${what}: median (ms)`, pulse?.exit ? 'server exited' : 'not run', 'n/a', '']);
    } else {
      const sorted = [...q.times].sort((a, b) => a - b);
      let med = sorted.length ? fmtMs(median(sorted)) : 'none';
      let p90 = sorted.length ? fmtMs(quantile(sorted, 0.9)) : 'none';
      const problems = [];
      if (q.bad)
        problems.push(
          `${q.bad} of ${QUERY_WARMUPS + QUERY_COUNT} replies do not start with "200 [" (${[
            ...q.samples,
          ]
            .map(([t, n]) => `${n}x "${t}"`)
            .join(', ')})`,
        );
      if (q.error) problems.push(`stopped after ${q.times.length} timed queries: ${q.error}`);
      if (problems.length) med = flag(med, `Pulse, ${QUERY}: ${problems.join('; ')}`);
      if (problems.length) p90 = `${p90} !${notes.length}`;
      rows.push([`${what}: median (ms)`, med, 'n/a', '']);
      rows.push([`${what}: p90 (ms)`, p90, 'n/a', '']);
      if (q.replyLength !== undefined) extra.push(`last QUERY reply: ${q.replyLength} characters`);
    }
  }

  // peak memory before stopping; storage after the SIGTERM flush
  const rssPulse = pulse && !pulse.exit ? peakRssMb(pulse) : NaN;
  const rssSink = peakRssMb(sink);
  const died = [pulse, sink].filter((s) => s && !s.startError && s.exit);
  const diedBeforeStop = died.includes(pulse);
  for (const s of died) {
    exitCode = 1;
    extra.push(`${s.name} died during the run (${s.exit}); its last output:`);
    extra.push(...s.tail.map((l) => `    ${l}`));
  }
  log('stopping the servers (SIGTERM)');
  extra.push(...(await stopServers()));
  rows.push([
    'peak RSS, VmHWM (MB)',
    Number.isNaN(rssPulse) ? 'n/a' : rssPulse.toFixed(1),
    Number.isNaN(rssSink) ? 'n/a' : rssSink.toFixed(1),
    fmtRatio(rssPulse, rssSink),
  ]);
  if (pulse && !pulse.startError) {
    const usage = await dirUsage(dataDir);
    let perValue = ackedByPulse ? (usage.bytes / ackedByPulse).toFixed(1) : 'n/a';
    if (diedBeforeStop)
      perValue = flag(
        perValue,
        'Pulse died before the SIGTERM: its storage was not flushed by a clean stop',
      );
    rows.push(['storage per acknowledged value (bytes)', perValue, 'n/a', '']);
    extra.push(
      `storage: ${fmtInt(usage.bytes)} bytes in ${usage.files} files under the data dir after SIGTERM, ` +
        `${fmtInt(ackedByPulse)} values acknowledged by Pulse in all runs` +
        (pulse.stopSeconds !== undefined
          ? `; Pulse exited ${pulse.stopSeconds.toFixed(2)} s after SIGTERM`
          : ''),
    );
  }
  await fs.promises.rm(dataDir, { recursive: true, force: true });
  dataDir = '';

  // ---------- report ----------
  const model = cpus[0]?.model?.trim() || 'unknown CPU';
  const out = [];
  out.push(`Pulse benchmark, ${startedAt.toISOString()}`);
  out.push(
    `machine: ${cpus.length} CPUs (${model}), ${os.type()} ${os.release()}, Node ${process.version}; ` +
      `load: ${threads} generator threads, ${duration} s measured after ${warmup} s warm-up; ` +
      `Pulse: ${serverPath}, fsync durability`,
  );
  out.push('');
  out.push(...table(['scenario', 'Pulse', 'bare Node sink', 'ratio (Pulse/sink)'], rows));
  out.push('');
  notes.forEach((n, i) => out.push(`!${i + 1} ${n}`));
  out.push(...extra);
  out.push(
    `reproduce: npm run build && node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trimEnd() +
      '   (cross-check: see bench/README.md, /work/shared/tools/loadgen.c)',
  );
  process.stdout.write(out.join('\n') + '\n');
}

function table(header, body) {
  const all = [header, ...body];
  const width = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) =>
    `| ${r.map((v, c) => (c === 0 ? String(v).padEnd(width[c]) : String(v).padStart(width[c]))).join(' | ')} |`;
  const rule = `|${width.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)];
}

try {
  await main();
} catch (error) {
  exitCode = 1;
  process.stderr.write(`run.mjs: ${error.stack ?? error}\n`);
} finally {
  await cleanup();
}
process.exit(exitCode);
