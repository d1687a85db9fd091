// run.mjs - the Pulse benchmark: the same loads against the Pulse server and against the bare Node
// line sink (bench/line-sink.mjs, the floor of any Node server), printed as one table.
//
//   npm run bench                      (= npm run build && node bench/run.mjs)
//   node bench/run.mjs [--only pipelined,reqresp,oneshot,many,many100k,query,query10m,ingestquery,
//                              alerts,tls,spreadquery,restart,lifecycle,cluster] [--duration 3] [--warmup 0.5] [--threads 2]
//                      [--query-values 1000000] [--big-query-values 10000000]
//                      [--preload-timeout S] [--alert-duration 12] [--rounds 3]
//   PULSE_BENCH_PREVIOUS_SERVER=<main.js of another build>: that build also takes its turn in the
//   pipelined, reqresp and oneshot rounds (a row "this build / previous") and in `lifecycle`.
//
// It builds nothing: it runs dist/apps/server/main.js (or the command in PULSE_BENCH_SERVER) on
// 127.0.0.1, a free port and a fresh data directory under the system temp dir, with fsync
// durability. It measures and reports; it asserts nothing about time. Wrong replies, unanswered
// lines and connection errors are flagged in the table ("!n", explained under it). Exit code 1
// only when a server could not be started or died during the run. Progress goes to stderr.
// The scenarios run in the order above, whatever the order given to --only; `alerts` runs its own
// Pulse instance (alert checks every 5 s, own data dir, removed afterwards), as does `spreadquery`
// (its clock sped up by libfaketime, so that values lie a second apart), and `restart` comes
// last: it SIGKILLs Pulse, tears its WAL tail and starts it again on the same data dir. `cluster`
// runs after it: three nats-servers and three Pulse nodes of its own (temp dirs, removed after).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { alertScenario } from './alert-scenario.mjs';
import { clusterScenario } from './cluster-scenario.mjs';
import { lifecycleScenario } from './lifecycle-scenario.mjs';
import { tlsScenario } from './tls-scenario.mjs';
import { spreadQueryScenario } from './spread-query-scenario.mjs';
import { Bench } from './harness.mjs';
import { fmtInt, fmtMb, fmtRatio, log } from './report.mjs';
import {
  ROOT,
  alive,
  dirUsage,
  durability,
  peakRssMb,
  pulseCommand,
  startPulse,
  startServer,
  stopServer,
} from './servers.mjs';
import {
  ingestQuery,
  many100k,
  preloadQueryValues,
  query10m,
  queryLatencyRows,
  restart,
} from './storage-scenarios.mjs';

const SCENARIOS = [
  'pipelined',
  'reqresp',
  'oneshot',
  'many',
  'many100k',
  'query',
  'query10m',
  'ingestquery',
  'alerts',
  'tls',
  'spreadquery',
  'restart',
  'lifecycle',
  'cluster',
];
const MANY_IDS = 10_000;

// ---------- options ----------
const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '0.5' },
    'query-values': { type: 'string', default: '1000000' },
    'big-query-values': { type: 'string', default: '10000000' },
    threads: { type: 'string', default: '2' },
    'preload-timeout': { type: 'string' },
    'alert-duration': { type: 'string', default: '12' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  const text = fs.readFileSync(new URL(import.meta.url), 'utf8');
  const lines = text.split('\n');
  const head = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('//')),
  );
  process.stdout.write(head.map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const only = args.only ? args.only.split(',').map((s) => s.trim()) : SCENARIOS;
const unknown = only.filter((s) => !SCENARIOS.includes(s));
const opts = {
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  threads: Number(args.threads),
  queryValues: Number(args['query-values']),
  bigQueryValues: Number(args['big-query-values']),
  preloadTimeout: args['preload-timeout'] ? Number(args['preload-timeout']) : undefined,
  alertDuration: Number(args['alert-duration']),
  rounds: Number(args.rounds),
};
const isCount = (n) => Number.isInteger(n) && n >= 1;
const bad =
  (unknown.length && `unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`) ||
  (!(opts.duration > 0 && opts.duration <= 600) && '--duration must be in (0, 600] seconds') ||
  (!(opts.warmup >= 0 && opts.warmup <= 60) && '--warmup must be in [0, 60] seconds') ||
  (!(Number.isInteger(opts.threads) && opts.threads >= 1 && opts.threads <= 64) &&
    '--threads must be 1..64') ||
  (!isCount(opts.queryValues) && '--query-values must be a positive integer') ||
  (!isCount(opts.bigQueryValues) && '--big-query-values must be a positive integer') ||
  (!(opts.preloadTimeout === undefined || opts.preloadTimeout > 0) &&
    '--preload-timeout must be positive') ||
  (!(opts.alertDuration > 0 && opts.alertDuration <= 600) &&
    '--alert-duration must be in (0, 600] seconds') ||
  (!(Number.isInteger(opts.rounds) && opts.rounds >= 1 && opts.rounds <= 15) &&
    '--rounds must be 1..15');
if (bad) {
  process.stderr.write(`run.mjs: ${bad}\n`);
  process.exit(2);
}

const bench = new Bench(opts);
const { report } = bench;

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping the servers and removing ${bench.dataDir || 'nothing'}`);
    bench.cleanup().finally(() => process.exit(130));
  });
}

// ---------- scenarios ----------
async function startServers() {
  log('starting the bare Node sink, the fsync floor and Pulse');
  bench.sink = await startServer(
    'bare Node sink',
    process.execPath,
    [path.join(ROOT, 'bench/line-sink.mjs'), '0'],
    process.env,
  );
  const { sink } = bench;
  if (sink.startError)
    throw new Error(`the bare Node sink failed: ${sink.startError}\n${sink.tail.join('\n')}`);
  bench.floor = await startServer(
    'fsync floor',
    process.execPath,
    [path.join(ROOT, 'bench/fsync-sink.mjs'), '0'],
    process.env,
  );
  if (bench.floor.startError)
    throw new Error(
      `the fsync floor failed: ${bench.floor.startError}\n${bench.floor.tail.join('\n')}`,
    );
  await startPreviousBuild();
  bench.dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-'));
  bench.pulse = await startPulse('Pulse', bench.dataDir);
  const { pulse } = bench;
  if (pulse.startError) bench.startFailed(pulse, `Pulse (${pulseCommand().serverPath})`);
  else
    log(
      `Pulse (pid ${pulse.pid}) on port ${pulse.port}, data in ${bench.dataDir}; sink on port ${sink.port}`,
    );
}

/**
 * PULSE_BENCH_PREVIOUS_SERVER=<main.js of another build>: that build takes its turn in the
 * compared rows (pipelined, reqresp, oneshot), so that a change is measured against the code
 * before it in the same rounds; the lifecycle scenario compares it too.
 */
async function startPreviousBuild() {
  const serverPath = process.env.PULSE_BENCH_PREVIOUS_SERVER;
  if (!serverPath) return;
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-previous-'));
  bench.extraDirs.add(dir);
  const previous = await startPulse('previous build', dir, {}, undefined, serverPath);
  if (previous.startError) {
    bench.startFailed(previous, `the previous build (${serverPath})`);
    return;
  }
  bench.previous = previous;
  log(`previous build (pid ${previous.pid}, ${serverPath}) on port ${previous.port}`);
}

async function manyRow() {
  const many = await bench.loadRow(
    `pipelined LOG 8x64, ${fmtInt(MANY_IDS)} metrics round-robin (LOG/s)`,
    { mode: 'pipelined', ids: MANY_IDS, id: 'bench.m' },
  );
  bench.rates.many = many;
  const single = bench.rates.single;
  if (single)
    report.row(
      '  rate with many metrics / with one metric',
      fmtRatio(many.p?.rate, single.p?.rate),
      fmtRatio(many.s?.rate, single.s?.rate),
    );
}

/** Peak RSS rows; the bytes per value after the final SIGTERM of whichever Pulse runs then. */
async function finish(firstPulseRss) {
  const { pulse, sink } = bench;
  const restarted = pulse !== bench.firstPulse ? pulse : null;
  const rssRestarted = alive(restarted) ? peakRssMb(restarted) : NaN;
  const rssSink = peakRssMb(sink);
  bench.noteDeaths([bench.firstPulse, restarted, sink, bench.floor]);
  const cleanStop = alive(pulse);
  log('stopping the servers (SIGTERM)');
  report.extra.push(
    ...[
      await stopServer(pulse),
      await stopServer(sink),
      await stopServer(bench.floor),
      await stopServer(bench.previous),
    ].filter(Boolean),
  );
  report.row(
    restarted ? 'peak RSS, VmHWM, before the restart (MB)' : 'peak RSS, VmHWM (MB)',
    fmtMb(firstPulseRss),
    fmtMb(rssSink),
    fmtRatio(firstPulseRss, rssSink),
  );
  if (restarted) report.row('  peak RSS of the restarted Pulse (MB)', fmtMb(rssRestarted), 'n/a');
  if (bench.firstPulse && !bench.firstPulse.startError) {
    const usage = await dirUsage(bench.dataDir);
    let perValue = bench.acked ? (usage.bytes / bench.acked).toFixed(1) : 'n/a';
    if (!cleanStop)
      perValue = report.flag(
        perValue,
        `${pulse.name} was not running at the final SIGTERM: its storage was not flushed by a clean stop`,
      );
    report.row('storage per acknowledged value (bytes)', perValue, 'n/a');
    report.extra.push(
      `storage: ${fmtInt(usage.bytes)} bytes in ${usage.files} files under the data dir after SIGTERM, ` +
        `${fmtInt(bench.acked)} values acknowledged by Pulse in all runs` +
        (pulse.stopSeconds !== undefined
          ? `; ${pulse.name} exited ${pulse.stopSeconds.toFixed(2)} s after SIGTERM`
          : ''),
    );
  }
  await fs.promises.rm(bench.dataDir, { recursive: true, force: true });
  bench.dataDir = '';
}

async function main() {
  const startedAt = new Date();
  const cpus = os.cpus();
  await startServers();
  bench.firstPulse = bench.pulse;

  const has = (s) => only.includes(s);
  if (has('pipelined'))
    bench.rates.single = await bench.loadRow(
      'pipelined LOG 8x64 (LOG/s)',
      { mode: 'pipelined' },
      true,
    );
  if (has('reqresp'))
    await bench.loadRow('request/response LOG 64x1 (LOG/s)', { mode: 'reqresp' }, true);
  if (has('oneshot'))
    await bench.loadRow('one connection per LOG, 16 at a time (LOG/s)', { mode: 'oneshot' }, true);
  if (has('many')) await manyRow();
  if (has('many100k')) await many100k(bench);
  if (has('query')) {
    await preloadQueryValues(bench);
    await queryLatencyRows(bench);
  }
  if (has('query10m')) await query10m(bench);
  if (has('ingestquery')) await ingestQuery(bench);
  if (has('alerts')) await alertScenario(bench);
  if (has('tls')) await tlsScenario(bench);
  if (has('spreadquery')) await spreadQueryScenario(bench);

  // peak memory of the Pulse that took all the load, before it is stopped or killed
  const firstPulseRss = alive(bench.pulse) ? peakRssMb(bench.pulse) : NaN;
  bench.noteDeaths([bench.pulse, bench.sink, bench.floor]);
  if (has('restart')) await restart(bench);
  if (has('lifecycle')) await lifecycleScenario(bench);
  if (has('cluster')) await clusterScenario(bench);
  await finish(firstPulseRss);

  // ---------- report ----------
  const model = cpus[0]?.model?.trim() || 'unknown CPU';
  const { threads, duration, warmup } = opts;
  const out = [];
  out.push(`Pulse benchmark, ${startedAt.toISOString()}`);
  out.push(
    `machine: ${cpus.length} CPUs (${model}), ${os.type()} ${os.release()}, Node ${process.version}; ` +
      `load: ${threads} generator threads, ${duration} s measured after ${warmup} s warm-up; ` +
      `compared rows: median of ${opts.rounds} interleaved rounds per server; ` +
      `Pulse: ${pulseCommand().serverPath}, ${durability()} durability`,
  );
  out.push('');
  out.push(
    ...report.lines([
      'scenario',
      'Pulse',
      'fsync floor',
      'bare Node sink',
      'ratio (Pulse/sink)',
      'Pulse/floor',
    ]),
  );
  out.push(
    `reproduce: npm run build && node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trimEnd() +
      '   (cross-check: see bench/README.md, /work/shared/tools/loadgen.c)',
  );
  process.stdout.write(out.join('\n') + '\n');
}

try {
  await main();
} catch (error) {
  bench.exitCode = 1;
  process.stderr.write(`run.mjs: ${error.stack ?? error}\n`);
} finally {
  await bench.cleanup();
}
process.exit(bench.exitCode);
