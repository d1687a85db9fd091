// spread-query-scenario.mjs - `spreadquery`: QUERY over values spread over days. The server
// stamps each LOG with its wall clock, so a Pulse of its own runs under libfaketime with that
// clock sped up 100,000x (monotonic time, which timers and durations use, is left alone): a
// preload over one connection keeping 8 LOGs in flight (~60-80k/s here) spreads 1,000,000 values
// about a second apart, over two weeks. Then it is stopped (the last values go to a block) and
// started again on its data, and QUERY AVG 60 and AVG 3600 are timed: warm-ups, then 30
// sequential queries each. With PULSE_BENCH_PREVIOUS_SERVER, that build gets a copy of the same
// data and takes its turns in the same rounds, and its replies must be byte for byte the same.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LineClient, ReplyCheck, isListing, median, quantile } from './line-client.mjs';
import { runLoad } from './loadgen.mjs';
import { fmtInt, fmtMb, fmtMs, fmtRatio, log } from './report.mjs';
import { alive, peakRssMb, startPulse, stopServer } from './servers.mjs';
import { preloadTimeLimit } from './storage-scenarios.mjs';

const ID = 'bench.s';
const SPEED = 100_000;
const OPS = ['AVG 60', 'AVG 3600'];
const WARMUPS = 3;
const ROUNDS = 3; // of QUERIES / ROUNDS queries per build, taking turns
const QUERIES = 30;
const QUIET_S = 3; // storage settled: no flush or compaction line for this long ...
const SETTLE_MAX_S = 60; // ... or this long at most
const STORAGE_LINE = /flushed \d+ values|(split|merge|tier): /;

/** Debian's libfaketime (package faketime), for this machine's architecture; '' if missing. */
function findFaketime() {
  const roots = ['/usr/lib', '/usr/local/lib'];
  for (const root of roots) {
    const dirs = fs.existsSync(root) ? fs.readdirSync(root) : [];
    for (const dir of ['.', ...dirs]) {
      const lib = path.join(root, dir, 'faketime', 'libfaketime.so.1');
      if (fs.existsSync(lib)) return lib;
    }
  }
  return '';
}

/** A Pulse whose wall clock runs SPEED times as fast, durability os, nothing ever expires. */
async function startSpedUp(bench, name, dir, lib, serverPath) {
  const env = {
    LD_PRELOAD: [lib, process.env.LD_PRELOAD].filter(Boolean).join(':'),
    FAKETIME: `+0 x${SPEED}`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    PULSE_DURABILITY: 'os',
    PULSE_RETENTION: '0', // 30 days of this clock pass in 26 s
  };
  const state = { lastStorageLine: performance.now() };
  const onLine = (line) => {
    if (STORAGE_LINE.test(line)) state.lastStorageLine = performance.now();
  };
  const srv = await startPulse(name, dir, env, onLine, serverPath);
  bench.extraServers.add(srv);
  srv.storage = state;
  if (srv.startError) bench.startFailed(srv, name);
  return srv;
}

/** Waits until the server logged no flush or compaction for QUIET_S (at most SETTLE_MAX_S). */
async function settle(srv) {
  const t0 = performance.now();
  while (alive(srv) && performance.now() - t0 < SETTLE_MAX_S * 1000) {
    if (performance.now() - srv.storage.lastStorageLine >= QUIET_S * 1000) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The `spreadquery` scenario; its servers and data dirs are gone when it returns. */
export async function spreadQueryScenario(bench) {
  const n = bench.opts.queryValues;
  const what = `QUERY ${ID} AVG 60 / AVG 3600 over ${fmtInt(n)} values ~1 s apart`;
  const lib = findFaketime();
  if (!lib) {
    bench.report.row(what, 'not run (libfaketime missing: apt-get install faketime)', 'n/a');
    return;
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-spread-'));
  bench.extraDirs.add(dir);
  const servers = [];
  try {
    log(`spreadquery: Pulse with its clock x${SPEED} (${lib}) in ${dir}`);
    const loader = await startSpedUp(bench, 'Pulse (clock x100000)', dir, lib);
    servers.push(loader);
    if (loader.startError) return;
    const r = await runLoad({
      port: loader.port,
      mode: 'pipelined',
      conns: 1,
      depth: 8,
      threads: 1,
      total: n,
      id: ID,
      timeLimit: preloadTimeLimit(bench.opts, n),
    });
    bench.report.row(
      `spread: preload ${fmtInt(n)} LOG ${ID}, 1 connection x 8, server clock x${fmtInt(SPEED)}, durability os (LOG/s)`,
      bench.loadCell(loader, r),
      'n/a',
    );
    // The server's clock ran SPEED times as fast as the load's.
    const gap = (r.seconds * SPEED) / Math.max(1, n - 1);
    bench.report.extra.push(
      `spread: values ${gap.toFixed(2)} s apart on average (the preload's time x ${fmtInt(SPEED)} / values)`,
    );
    await settle(loader);
    await stopServer(loader);
    await queryBuilds(bench, dir, lib, servers);
  } finally {
    for (const srv of servers) {
      const note = await stopServer(srv);
      if (note) bench.report.extra.push(note);
      bench.extraServers.delete(srv);
    }
    for (const d of [dir, `${dir}-previous`]) {
      await fs.promises.rm(d, { recursive: true, force: true });
      bench.extraDirs.delete(d);
    }
  }
}

/** This build (and the previous one, on a copy) restarted on the data; the query rows. */
async function queryBuilds(bench, dir, lib, servers) {
  const previousPath = process.env.PULSE_BENCH_PREVIOUS_SERVER;
  const builds = [{ name: 'Pulse (clock x100000, restarted)', dir }];
  if (previousPath) {
    await fs.promises.cp(dir, `${dir}-previous`, { recursive: true });
    bench.extraDirs.add(`${dir}-previous`);
    builds.push({ name: 'previous build (clock x100000)', dir: `${dir}-previous`, previousPath });
  }
  for (const b of builds) {
    b.srv = await startSpedUp(bench, b.name, b.dir, lib, b.previousPath);
    servers.push(b.srv);
    if (b.srv.startError) return;
  }
  for (const b of builds) await settle(b.srv);
  for (const op of OPS) await timeOp(bench, op, builds);
  const rss = builds.map((b) => `${b.name} ${fmtMb(peakRssMb(b.srv))} MB`).join(', ');
  bench.report.extra.push(`spread: peak RSS (VmHWM) after the queries: ${rss}`);
  bench.noteDeaths(builds.map((b) => b.srv));
}

/** One op on every build: warm-ups, then QUERIES timed queries in ROUNDS turns; its rows. */
async function timeOp(bench, op, builds) {
  const command = `QUERY ${ID} ${op}`;
  for (const b of builds) {
    b.client = await LineClient.open(b.srv.port);
    b.check = new ReplyCheck(isListing);
    b.times = [];
    b.replies = new Set();
    for (let i = 0; i < WARMUPS; i++) {
      const reply = await ask(b, command);
      if (i === 0) b.cold = reply.ms;
    }
  }
  log(`spreadquery: ${command} x ${QUERIES} per build`);
  for (let round = 0; round < ROUNDS; round++)
    for (const b of builds)
      for (let i = 0; i < QUERIES / ROUNDS; i++) b.times.push((await ask(b, command)).ms);
  for (const b of builds) b.client.close();
  queryRows(bench, op, builds);
}

async function ask(b, command) {
  const r = await b.client.request(command);
  if (r.error) b.error ||= r.error;
  else {
    b.check.add(r.text);
    b.replies.add(r.text);
  }
  return r;
}

function queryRows(bench, op, builds) {
  const { report } = bench;
  const [mine, previous] = builds;
  const windows = [...mine.replies].map((t) => (t === '200 []' ? 0 : t.split(',').length));
  const cells = builds.map((b) => {
    const sorted = [...b.times].sort((x, y) => x - y);
    const problems = [];
    if (b.check.bad) problems.push(b.check.describe('do not start with "200 ["'));
    if (b.error) problems.push(b.error);
    if (b.replies.size > 1) problems.push(`${b.replies.size} different replies to the same query`);
    const med = sorted.length ? fmtMs(median(sorted)) : 'none';
    const p90 = sorted.length ? fmtMs(quantile(sorted, 0.9)) : 'none';
    if (!problems.length) return { med, p90, value: median(sorted) };
    return {
      med: report.flag(med, `${b.name}, QUERY ${ID} ${op}: ${problems.join('; ')}`),
      p90: report.sameFlag(p90),
      value: median(sorted),
    };
  });
  const label = `spread: QUERY ${ID} ${op} (${windows.map(fmtInt).join(' / ')} windows)`;
  report.row(`${label}: median (ms)`, cells[0].med, 'n/a');
  report.row(`${label}: p90 (ms)`, cells[0].p90, 'n/a');
  if (previous) {
    let same = [...previous.replies].every((t) => mine.replies.has(t)) ? 'yes' : 'NO';
    if (same === 'NO') same = report.flag(same, `QUERY ${ID} ${op}: the builds' replies differ`);
    report.row(
      `  previous build: median (ms); this build / previous: ${fmtRatio(cells[0].value, cells[1].value)}; same reply: ${same}`,
      cells[1].med,
      'n/a',
    );
  }
  const cold = builds.map((b) => `${b.name} ${fmtMs(b.cold)} ms`).join(', ');
  report.extra.push(`spread: first ${op} after the restart (decodes what it needs): ${cold}`);
}
