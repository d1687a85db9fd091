// storage-scenarios.mjs - the scenarios about how much Pulse holds: 100,000 open series
// (`many100k`), QUERY over 10,000,000 values (`query10m`), ingestion while such queries run
// (`ingestquery`), and a restart after SIGKILL with a torn WAL tail (`restart`).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUERY, QUERY_COUNT, QUERY_ID, QUERY_WARMUPS } from './harness.mjs';
import {
  LineClient,
  countSum,
  median,
  queryLatency,
  queryLoop,
  queryRows,
  sortedTimes,
} from './line-client.mjs';
import { fmtInt, fmtMb, fmtMs, fmtRatio, log } from './report.mjs';
import { alive, killServer, peakRssMb, startPulse } from './servers.mjs';

export const MANY100K_IDS = 100_000;
const INGEST_ID = 'bench.i';
const COUNT_QUERY = `QUERY ${QUERY_ID} COUNT 86400`;
const RESTART_DEADLINE_S = 60; // from the spawn: listening and the right COUNT, or give up
const TORN_BODY_LENGTH = 1 << 20; // the header promises 1 MiB ...
const TORN_BODY_BYTES = 20; // ... of which only these made it
const CUT = /cut (\d+) torn bytes from (\S+) at offset (\d+)/;
const OPENED = /opened storage in /;

/** Seconds the exact-count preload of `n` values may take (`--preload-timeout` or n / 5000). */
export function preloadTimeLimit(opts, n) {
  return opts.preloadTimeout ?? Math.max(300, Math.ceil(n / 5000));
}

const queryPreload = (opts, n) => ({
  mode: 'pipelined',
  id: QUERY_ID,
  total: n,
  timeLimit: preloadTimeLimit(opts, n),
});

/** The `query` preload (1,000,000 values of bench.q), with the sink for the ratio. */
export async function preloadQueryValues(bench) {
  const n = bench.opts.queryValues;
  const label = `preload ${fmtInt(n)} LOG ${QUERY_ID}, pipelined 8x64 (LOG/s)`;
  // the sink run is only there for the ratio; Pulse's acknowledgements are exact (--total)
  await bench.loadRow(label, queryPreload(bench.opts, n));
}

/** For a scenario that queries bench.q: the `query` preload on Pulse alone if nothing is there. */
async function ensureQueryValues(bench) {
  if (bench.ackedFor(QUERY_ID) > 0 || !alive(bench.pulse)) return;
  const n = bench.opts.queryValues;
  await bench.pulseRow(
    `preload ${fmtInt(n)} LOG ${QUERY_ID}, pipelined 8x64 (LOG/s)`,
    queryPreload(bench.opts, n),
  );
}

/** QUERY bench.q AVG 60, 3 warm-ups + 30 timed: the median and p90 rows. */
export async function queryLatencyRows(bench) {
  const { pulse } = bench;
  let q = null;
  if (alive(pulse)) {
    log(`${QUERY} x ${QUERY_WARMUPS} + ${QUERY_COUNT} on Pulse ...`);
    q = await queryLatency(pulse.port, QUERY, QUERY_WARMUPS, QUERY_COUNT);
  }
  const what = `${QUERY} over ${fmtInt(bench.ackedFor(QUERY_ID))} values`;
  queryRows(bench.report, what, q, {
    command: QUERY,
    notRun: pulse?.exit ? 'server exited' : 'not run',
  });
}

// ---------- many100k ----------
/** Pipelined 8x64 over 100,000 ids, its ratio to the one-metric rate, Pulse's peak RSS so far. */
export async function many100k(bench) {
  const { report, pulse, sink } = bench;
  const r = await bench.loadRow(
    `pipelined LOG 8x64, ${fmtInt(MANY100K_IDS)} metrics round-robin (LOG/s)`,
    { mode: 'pipelined', ids: MANY100K_IDS, id: 'bench.n' },
  );
  const single = bench.rates.single;
  if (single)
    report.row(
      `  rate with ${fmtInt(MANY100K_IDS)} metrics / with one metric`,
      fmtRatio(r.p?.rate, single.p?.rate),
      fmtRatio(r.s?.rate, single.s?.rate),
    );
  const rss = alive(pulse) ? fmtMb(peakRssMb(pulse)) : 'server exited';
  const rssSink = alive(sink) ? fmtMb(peakRssMb(sink)) : 'n/a';
  report.row(`peak RSS up to the ${fmtInt(MANY100K_IDS)}-metric run (MB)`, rss, rssSink);
}

// ---------- query10m ----------
/** Tops bench.q up to --big-query-values acknowledged values, then times QUERY AVG 60 over them. */
export async function query10m(bench) {
  const big = bench.opts.bigQueryValues;
  const have = bench.ackedFor(QUERY_ID);
  const label = `preload ${QUERY_ID} up to ${fmtInt(big)} values, pipelined 8x64 (LOG/s)`;
  if (big > have) {
    const p = await bench.pulseRow(label, queryPreload(bench.opts, big - have));
    if (p)
      bench.report.extra.push(
        `${label}: ${fmtInt(p.ok)} values added in ${p.seconds.toFixed(1)} s`,
      );
  } else bench.report.row(label, `none needed (${fmtInt(have)} there)`, 'n/a');
  await queryLatencyRows(bench);
}

// ---------- ingestquery ----------
/** The pipelined bench.i rate without queries, then with a sequential QUERY loop running. */
export async function ingestQuery(bench) {
  const { report } = bench;
  await ensureQueryValues(bench);
  const load = { mode: 'pipelined', id: INGEST_ID };
  // Without and with the loop take turns, and each side reports its median round: a single
  // pair of runs could land one of them on a flush or a slow moment of the machine.
  const rounds = { without: [], loop: [] };
  for (let round = 0; round < bench.opts.rounds; round++) {
    rounds.without.push(await bench.load(bench.pulse, `${INGEST_ID} 8x64 without queries`, load));
    rounds.loop.push(await loadWithQueries(bench, load));
  }
  const byRate = (a, b) => (a?.rate ?? 0) - (b?.rate ?? 0);
  const without = [...rounds.without].sort(byRate)[Math.floor((rounds.without.length - 1) / 2)];
  const loop = [...rounds.loop].sort((a, b) => byRate(a.r, b.r))[
    Math.floor((rounds.loop.length - 1) / 2)
  ];
  const values = fmtInt(bench.ackedFor(QUERY_ID));
  report.row(
    `pipelined LOG 8x64 ${INGEST_ID}, no queries (LOG/s)`,
    bench.loadCell(bench.pulse, without),
    'n/a',
  );
  report.row(
    `  same while one more connection loops ${QUERY} over ${values} values (LOG/s)`,
    bench.loadCell(bench.pulse, loop.r),
    'n/a',
  );
  report.row('  rate with the query loop / without', fmtRatio(loop.r?.rate, without?.rate), 'n/a');
  if (!loop.q) {
    report.row('  queries answered during that run', 'not run', 'n/a');
    return;
  }
  const sorted = sortedTimes(loop.q);
  let answered = fmtInt(sorted.length);
  const problems = [];
  if (loop.q.check.bad) problems.push(loop.q.check.describe('do not start with "200 ["'));
  if (loop.q.error) problems.push(`the loop stopped: ${loop.q.error}`);
  if (problems.length)
    answered = report.flag(answered, `Pulse, ${QUERY} loop: ${problems.join('; ')}`);
  report.row('  queries answered during that run', answered, 'n/a');
  report.row('  their median latency (ms)', sorted.length ? fmtMs(median(sorted)) : 'none', 'n/a');
}

/** The same load with queryLoop() running from just before it starts until it ends. */
async function loadWithQueries(bench, load) {
  const { pulse } = bench;
  if (!alive(pulse)) return { r: null, q: null };
  let stop;
  const stopped = new Promise((resolve) => (stop = resolve));
  const queries = queryLoop(pulse.port, QUERY, stopped);
  const r = await bench.load(pulse, `${INGEST_ID} 8x64 with a ${QUERY} loop`, load, stop);
  stop();
  const q = await queries;
  log(`  ${q.times.length} queries answered during the load`);
  return { r, q };
}

// ---------- restart ----------
/** The newest `<10 digits>.wal` segment under `walDir`, or '' when there is none. */
async function newestSegment(walDir) {
  const names = await fs.promises.readdir(walDir).catch(() => []);
  const segments = names.filter((n) => /^\d{10}\.wal$/.test(n)).sort();
  return segments.length ? path.join(walDir, segments[segments.length - 1]) : '';
}

/** Offset where the records of a segment end: walks `8 + bodyLength` until a 0 length or EOF. */
function walEnd(fd, size) {
  const header = Buffer.alloc(8);
  let offset = 0;
  while (offset + 8 <= size) {
    fs.readSync(fd, header, 0, 8, offset);
    const bodyLength = header.readUInt32LE(0);
    if (bodyLength === 0 || offset + 8 + bodyLength > size) break;
    offset += 8 + bodyLength;
  }
  return offset;
}

/** Writes a torn record (a header promising TORN_BODY_LENGTH bytes, a few of them) at the end. */
function tearSegment(segment) {
  const fd = fs.openSync(segment, 'r+');
  try {
    const offset = walEnd(fd, fs.fstatSync(fd).size);
    const torn = Buffer.alloc(8 + TORN_BODY_BYTES, 0x5a);
    torn.writeUInt32LE(TORN_BODY_LENGTH, 0);
    torn.writeUInt32LE(0xdeadbeef, 4);
    fs.writeSync(fd, torn, 0, torn.length, offset);
    fs.fdatasyncSync(fd);
    return { segment, offset, bytes: torn.length };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Polls COUNT_QUERY on `srv` until the sum of its counts is `expected` or RESTART_DEADLINE_S
 * after the spawn. Resolves to { seconds (from the spawn), sum, tries, error }.
 */
async function waitForCount(srv, expected) {
  const out = { seconds: NaN, sum: NaN, tries: 0, error: '', last: '' };
  const left = () => RESTART_DEADLINE_S - (performance.now() - srv.spawnedAt) / 1000;
  const client = await LineClient.open(srv.port);
  out.error = client.error;
  try {
    while (!out.error) {
      const r = await client.request(COUNT_QUERY, Math.max(1, left()));
      out.tries++;
      if (r.error) out.error = r.error;
      else {
        out.last = r.text.length > 120 ? `${r.text.slice(0, 120)}...` : r.text;
        out.sum = countSum(r.text);
        if (out.sum === expected) {
          out.seconds = (performance.now() - srv.spawnedAt) / 1000;
          break;
        }
        if (left() <= 0) break;
        await sleep(50);
      }
    }
  } finally {
    client.close();
  }
  return out;
}

/**
 * SIGKILLs Pulse, appends a torn record to its newest WAL segment, starts it again on the same
 * data dir and times the way back: to the listening line, and to a COUNT of bench.q equal to the
 * values acknowledged. The restarted server becomes bench.pulse. Pulse's peak RSS must have been
 * read before.
 */
export async function restart(bench) {
  const { report } = bench;
  await ensureQueryValues(bench);
  const first = bench.pulse;
  const label = `restart after SIGKILL, ${fmtInt(bench.acked)} stored values: spawn to listening (s)`;
  if (!alive(first)) {
    report.row(label, first?.exit ? 'server exited' : 'not run', 'n/a');
    return;
  }
  const stored = bench.acked;
  const expected = bench.ackedFor(QUERY_ID);
  log(`restart: SIGKILL Pulse (pid ${first.pid}) with ${fmtInt(stored)} values stored`);
  if (!(await killServer(first))) {
    report.row(
      label,
      report.flag('not run', `Pulse (pid ${first.pid}) survived SIGKILL for 5 s`),
      'n/a',
    );
    return;
  }
  const segment = await newestSegment(path.join(bench.dataDir, 'wal'));
  const torn = segment ? tearSegment(segment) : null;
  if (torn) log(`  wrote ${torn.bytes} torn bytes to ${torn.segment} at offset ${torn.offset}`);

  const cuts = [];
  const opened = [];
  const srv = await startPulse('Pulse (restarted)', bench.dataDir, {}, (line) => {
    const cut = CUT.exec(line);
    if (cut) cuts.push({ bytes: Number(cut[1]), path: cut[2], offset: Number(cut[3]) });
    if (OPENED.test(line)) opened.push(line.slice(line.search(OPENED)));
  });
  bench.pulse = srv;
  if (srv.startError) {
    bench.startFailed(srv, 'Pulse, restarted after SIGKILL,');
    report.row(label, report.flag('failed', `restarted Pulse: ${srv.startError}`), 'n/a');
    return;
  }
  const readyS = (srv.readyAt - srv.spawnedAt) / 1000;
  log(
    `  listening ${readyS.toFixed(2)} s after the spawn; ${COUNT_QUERY} until it says ${fmtInt(expected)}`,
  );
  const count = await waitForCount(srv, expected);
  report.row(label, cutCell(report, torn, cuts, readyS), 'n/a');
  report.row(`  spawn to a right ${COUNT_QUERY} (s)`, countCell(report, count, expected), 'n/a');
  report.row(
    `  its counts add up to the ${fmtInt(expected)} acknowledged ${QUERY_ID} values`,
    count.sum === expected ? 'yes' : report.sameFlag('no'),
    'n/a',
  );
  report.row('  values stored at the restart (all acknowledged LOGs)', fmtInt(stored), 'n/a');
  report.extra.push(`restarted Pulse: ${opened[0] ?? 'no "opened storage" line'}`);
}

/** The listening cell, flagged when the server did not report the torn tail it had to cut. */
function cutCell(report, torn, cuts, readyS) {
  const cell = readyS.toFixed(2);
  if (!torn) return report.flag(cell, 'restart: no WAL segment found, no torn record written');
  const cut = cuts.find(
    (c) => c.offset === torn.offset && c.path.endsWith(path.basename(torn.segment)),
  );
  if (cut) {
    report.extra.push(
      `restart: ${torn.bytes} torn bytes written to ${path.basename(torn.segment)} at offset ` +
        `${fmtInt(torn.offset)}; the restarted Pulse logged: cut ${cut.bytes} torn bytes at that offset`,
    );
    return cell;
  }
  const seen = cuts.map((c) => `cut ${c.bytes} torn bytes from ${c.path} at offset ${c.offset}`);
  return report.flag(
    cell,
    `restart: ${torn.bytes} torn bytes were written to ${torn.segment} at offset ${torn.offset}, ` +
      `but the restarted Pulse logged no "cut ... torn bytes" line for them` +
      (seen.length ? ` (it logged: ${seen.join('; ')})` : ''),
  );
}

/** The seconds to a right COUNT, flagged when it never came (the next row reuses the flag). */
function countCell(report, count, expected) {
  if (count.sum === expected) return count.seconds.toFixed(2);
  const why = count.error
    ? count.error
    : `last reply "${count.last}" (sum ${count.sum}) after ${count.tries} tries`;
  return report.flag(
    'none',
    `restart: ${COUNT_QUERY} did not add up to ${expected} within ${RESTART_DEADLINE_S} s of the spawn: ${why}`,
  );
}
