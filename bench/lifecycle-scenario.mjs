// lifecycle-scenario.mjs - `lifecycle`: storage that runs for a year (issue 13). Rows:
// - bytes per value of block files for three data shapes, written by storage's own block writer
//   (libs/persistence/src/compaction/block-file-writer.ts, loaded from the sources by
//   ts-sources.mjs): random 3-decimal values at the benchmark's rate, a slow 2-decimal random walk
//   at one value per second, a constant and a counter at a regular interval;
// - through a Pulse of its own (fresh temp data dir, PULSE_FLUSH_VALUES=100000, so that blocks are
//   written and compacted while values come): 1,000,000 random 3-decimal LOGs, then a restart
//   (every value in blocks): bytes per value on disk, block files and the block files the process
//   holds open, compaction throughput from its log lines (values rewritten per second in the
//   worker), QUERY AVG 60 (chunk summaries) and AVG 0.001 (every value decoded), medians;
// - with PULSE_BENCH_PREVIOUS_SERVER=<main.js of another build> the same server part against it,
//   after this build's, and the ratios (a build before issue 13: format version 1).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LineClient, median } from './line-client.mjs';
import { runLoad } from './loadgen.mjs';
import { fmtInt, log } from './report.mjs';
import { alive, startServer, pulseCommand, pulseEnv, stopServer } from './servers.mjs';
import { loadLibSources } from './ts-sources.mjs';

const SHAPE_VALUES = 1_000_000;
const SERVER_VALUES = 1_000_000;
const QUERIES = { 'AVG 60': 10, 'AVG 0.001': 3 };
const ID = 'bench.life';

/** A deterministic PRNG (mulberry32): the same data in every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The shapes: name -> (i) => [stamp, value], `perMs` values per millisecond for the first. */
function shapes(perMs) {
  const t0 = 1_767_225_600_000; // 2026-01-01
  const r3 = random(1);
  const walk = random(2);
  let level = 50;
  return {
    [`random 3-decimal values in [0, 1000), ${fmtInt(perMs * 1000)}/s`]: (i) => [
      t0 + Math.floor(i / perMs),
      Math.round(r3() * 1e6) / 1e3,
    ],
    'slow gauge: 2-decimal random walk, 1/s': (i) => {
      level = Math.round((level + (walk() - 0.5) * 0.5) * 100) / 100;
      return [t0 + i * 1000, level];
    },
    'constant, every 10 s': (i) => [t0 + i * 10_000, 42.5],
    'counter (+1), every 10 s': (i) => [t0 + i * 10_000, i],
  };
}

async function shapeBytes(lib, dir, name, shape) {
  const { BlockFileWriter } = lib.load('libs/persistence/src/compaction/block-file-writer.ts');
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.blk`);
  const writer = await BlockFileWriter.create(file);
  writer.beginEntry(ID);
  let last = 0;
  for (let i = 0; i < SHAPE_VALUES; i++) {
    const [stamp, value] = shape(i);
    writer.add(stamp, value);
    last = stamp;
    if (i % 65536 === 0) await writer.drain();
  }
  writer.endEntry(last);
  const bytes = await writer.finish({ first: 1, size: 1, order: 1, replaced: [] }, 0);
  return bytes / SHAPE_VALUES;
}

/** 1M LOGs, restart, then what is on disk and how fast the queries are. */
async function serverPart(bench, label, serverPath) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-bench-life-'));
  bench.extraDirs.add(dir);
  const r = random(3);
  const values = Array.from({ length: 1000 }, () => String(Math.round(r() * 1e6) / 1e3));
  const { command, argv: args } = pulseCommand(serverPath);
  const env = pulseEnv(dir, { PULSE_FLUSH_VALUES: '100000' });
  const compactions = { values: 0, ms: 0, jobs: 0 };
  const onLine = (line) => {
    const m = /\] (?:tier|merge|split): \d+ blocks \((\d+) values\).* in (\d+) ms/.exec(line);
    if (m) {
      compactions.values += Number(m[1]);
      compactions.ms += Number(m[2]);
      compactions.jobs++;
    }
  };
  let srv = await startServer(`Pulse ${label}`, command, args, env, onLine);
  bench.extraServers.add(srv);
  const out = { label };
  try {
    if (srv.startError) throw new Error(`${label}: ${srv.startError}`);
    log(`lifecycle: ${label}: ${fmtInt(SERVER_VALUES)} random 3-decimal LOGs`);
    const load = await runLoad({
      port: srv.port,
      id: ID,
      values,
      total: SERVER_VALUES,
      threads: 2,
    });
    out.ingest = load.rate;
    await stopServer(srv);
    srv = await startServer(`Pulse ${label} (restarted)`, command, args, env, onLine);
    bench.extraServers.add(srv);
    if (srv.startError) throw new Error(`${label} restart: ${srv.startError}`);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // start-up compaction
    const blockDir = path.join(dir, 'blocks');
    const blocks = fs.readdirSync(blockDir).filter((n) => n.endsWith('.blk'));
    out.blocks = blocks.length;
    out.bytesPerValue =
      blocks.reduce((sum, n) => sum + fs.statSync(path.join(blockDir, n)).size, 0) / SERVER_VALUES;
    out.openBlocks = fs.readdirSync(`/proc/${srv.pid}/fd`).filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/${srv.pid}/fd/${fd}`).endsWith('.blk');
      } catch {
        return false;
      }
    }).length;
    const client = await LineClient.open(srv.port);
    for (const [query, count] of Object.entries(QUERIES)) {
      const times = [];
      for (let i = 0; i < count + 1; i++) {
        const reply = await client.request(`QUERY ${ID} ${query}`);
        if (reply.error || !reply.text.startsWith('200 ['))
          throw new Error(`${query}: ${reply.error ?? reply.text.slice(0, 80)}`);
        if (i > 0) times.push(reply.ms);
      }
      out[query] = median(times.sort((a, b) => a - b));
    }
    client.close();
    out.compactions = compactions;
  } finally {
    if (alive(srv)) await stopServer(srv);
  }
  return out;
}

export async function lifecycleScenario(bench) {
  const { report } = bench;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-bench-shapes-'));
  bench.extraDirs.add(dir);
  const lib = loadLibSources();
  try {
    // The pipelined row's rate when it ran in this run, else about what it measures here.
    const perMs = Math.max(1, Math.round((bench.rates.single?.p?.rate || 400_000) / 1000));
    for (const [name, shape] of Object.entries(shapes(perMs))) {
      const bpv = await shapeBytes(lib, dir, name, shape);
      report.row(`storage: block bytes per value, ${name}`, bpv.toFixed(3), 'n/a');
    }
  } finally {
    lib.cleanup();
  }
  const runs = [await serverPart(bench, 'this build')];
  const previous = process.env.PULSE_BENCH_PREVIOUS_SERVER;
  if (previous) runs.push(await serverPart(bench, `previous build (${previous})`, previous));
  for (const run of runs) {
    const tag = runs.length > 1 ? ` [${run.label}]` : '';
    report.row(
      `storage: 1 M random 3-decimal LOGs, block bytes per value${tag}`,
      run.bytesPerValue.toFixed(2),
      'n/a',
    );
    report.row(
      `  block files / block files open after a restart${tag}`,
      `${run.blocks} / ${run.openBlocks}`,
      'n/a',
    );
    for (const query of Object.keys(QUERIES)) {
      report.row(`  QUERY ${query} over them, median (ms)${tag}`, run[query].toFixed(1), 'n/a');
    }
    const c = run.compactions;
    report.row(
      `  compaction in the worker: values rewritten per second${tag}`,
      c.ms > 0 ? fmtInt((c.values / c.ms) * 1000) : 'none',
      'n/a',
    );
    report.extra.push(
      `lifecycle${tag}: ingest ${fmtInt(run.ingest)} LOG/s while flushing every 100,000 values; ` +
        `${c.jobs} compactions rewrote ${fmtInt(c.values)} values in ${c.ms} ms`,
    );
  }
  if (runs.length > 1) {
    const [now, before] = runs;
    for (const query of Object.keys(QUERIES)) {
      report.row(
        `  QUERY ${query}: this build / previous`,
        (now[query] / before[query]).toFixed(2),
        'n/a',
      );
    }
    report.row(
      `  bytes per value: this build / previous`,
      (now.bytesPerValue / before.bytesPerValue).toFixed(3),
      'n/a',
    );
  }
}
