// harness.mjs - what the scenarios share: the options, the two servers, the report, the count of
// values Pulse acknowledged (in all and per id), and loads reported as table rows.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeProblems, runLoad } from './loadgen.mjs';
import { cpuSeconds } from './proc-cpu.mjs';
import { Report, fmtInt, fmtRatio, log } from './report.mjs';
import { alive, stopServer } from './servers.mjs';

export const QUERY_ID = 'bench.q';
export const QUERY = `QUERY ${QUERY_ID} AVG 60`;
export const QUERY_WARMUPS = 3;
export const QUERY_COUNT = 30;

export class Bench {
  /** `opts`: threads, duration, warmup and the other parsed options of run.mjs. */
  constructor(opts) {
    this.opts = opts;
    this.report = new Report();
    this.pulse = null; // the Pulse under test (replaced by the restarted one in `restart`)
    this.sink = null;
    this.floor = null; // bench/fsync-sink.mjs: the sink plus an O_DSYNC group-committed log
    this.previous = null; // another build of Pulse (PULSE_BENCH_PREVIOUS_SERVER), if given
    this.dataDir = '';
    this.acked = 0; // `201` replies of Pulse over the whole run, all ids
    this.ackedById = new Map(); // id (or `prefix*` for round-robin ids) -> `201` replies
    this.rates = {}; // Pulse rates other scenarios compare with: { single, many }
    this.extraServers = new Set(); // other instances (the alert scenario's), stopped on cleanup
    this.extraDirs = new Set();
    this.exitCode = 0;
  }

  /** A server that could not start: exit code 1, its last output under the table. */
  startFailed(srv, what) {
    this.exitCode = 1;
    this.report.extra.push(`${what} failed to start: ${srv.startError}; its last output:`);
    this.report.extra.push(...srv.tail.map((l) => `    ${l}`));
    log(`${what} failed to start: ${srv.startError}`);
  }

  /** Reports (once) each of `servers` that exited without being told to: exit code 1. */
  noteDeaths(servers) {
    for (const s of servers) {
      if (!s || s.startError || !s.exit || s.stopping || s.deathNoted) continue;
      s.deathNoted = true;
      this.exitCode = 1;
      this.report.extra.push(`${s.name} died during the run (${s.exit}); its last output:`);
      this.report.extra.push(...s.tail.map((l) => `    ${l}`));
    }
  }

  ackedFor(id) {
    return this.ackedById.get(id) ?? 0;
  }

  loadCell(srv, r) {
    if (!r) return srv?.exit ? 'server exited' : 'not run';
    const cell = fmtInt(r.rate);
    return r.flagged ? this.report.flag(cell, `${srv.name}: ${describeProblems(r)}`) : cell;
  }

  /** Runs one load against a server, unless that server is gone; `onDone()` right after it. */
  async load(srv, label, options, onDone = undefined) {
    if (!alive(srv)) return null;
    const { threads, duration, warmup } = this.opts;
    log(`${label} on ${srv.name} ...`);
    const cpuBefore = cpuSeconds(srv.pid);
    const r = await runLoad({ port: srv.port, threads, duration, warmup, ...options });
    // The server's CPU (all its threads) per reply over the whole load, warm-up included: on a
    // machine shared with other work, steadier than the rate, which depends on what else runs.
    r.cpuPerReply = r.ok > 0 ? ((cpuSeconds(srv.pid) - cpuBefore) * 1e6) / r.ok : NaN;
    onDone?.();
    if (srv === this.pulse) {
      this.acked += r.ok;
      const key = (options.ids ?? 1) > 1 ? `${options.id}*` : (options.id ?? 'bench.p');
      this.ackedById.set(key, this.ackedFor(key) + r.ok);
    }
    log(
      `  ${fmtInt(r.rate)}/s in ${r.seconds.toFixed(2)} s, ${r.cpuPerReply.toFixed(1)} us CPU per reply` +
        (r.flagged ? `, PROBLEMS: ${describeProblems(r)}` : ''),
    );
    await sleep(300); // let the server settle before the next load
    return r;
  }

  /**
   * The same load on the sink (and with `withFloor` on the fsync floor and on the previous build,
   * if one runs) and on Pulse: one row with the rates and Pulse's ratios to them (and a row for
   * the previous build). The servers take turns for `--rounds` rounds and each cell is that
   * server's median round: this machine's speed drifts by 20 % within a minute, and
   * interleaving puts the servers of a ratio under the same drift.
   */
  async loadRow(label, options, withFloor = false) {
    const runs = { s: [], f: [], v: [], p: [] };
    const withPrevious = withFloor && this.previous !== null;
    // An exact-count load (a preload) stores its values once: one round.
    const rounds = options.total ? 1 : this.opts.rounds;
    for (let round = 0; round < rounds; round++) {
      runs.s.push(await this.load(this.sink, label, options));
      if (withFloor) runs.f.push(await this.load(this.floor, label, options));
      if (withPrevious) runs.v.push(await this.load(this.previous, label, options));
      runs.p.push(await this.load(this.pulse, label, options));
    }
    const [s, f, v, p] = [median(runs.s), median(runs.f), median(runs.v), median(runs.p)];
    this.report.extra.push(
      `${label}: server CPU per reply, median of ${rounds} rounds (us): ` +
        [
          ['Pulse', runs.p],
          ['previous build', withPrevious ? runs.v : []],
          ['fsync floor', withFloor ? runs.f : []],
          ['sink', runs.s],
        ]
          .filter(([, rs]) => rs.some(Boolean))
          .map(([name, rs]) => `${name} ${medianCpu(rs).toFixed(1)}`)
          .join(', '),
    );
    this.report.row(
      label,
      this.loadCell(this.pulse, p),
      this.loadCell(this.sink, s),
      ratio(p, s),
      withFloor ? this.loadCell(this.floor, f) : '',
      withFloor ? ratio(p, f) : '',
    );
    // The previous build's rate in the Pulse column; the ratio in the label (the table's ratio
    // columns are Pulse's to the sink and to the floor).
    if (withPrevious)
      this.report.row(
        `  previous build (PULSE_BENCH_PREVIOUS_SERVER); this build / previous: ${ratio(p, v)}`,
        this.loadCell(this.previous, v),
        'n/a',
      );
    return { p, s, f };
  }

  /** A load on Pulse only: one row with its rate. */
  async pulseRow(label, options) {
    const p = await this.load(this.pulse, label, options);
    this.report.row(label, this.loadCell(this.pulse, p), 'n/a');
    return p;
  }

  /** Stops every server and removes every data directory (also on an interrupt). */
  async cleanup() {
    const notes = [
      await stopServer(this.pulse),
      await stopServer(this.sink),
      await stopServer(this.floor),
      await stopServer(this.previous),
    ];
    for (const srv of this.extraServers) notes.push(await stopServer(srv));
    for (const dir of [this.dataDir, ...this.extraDirs])
      if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
    this.dataDir = '';
    this.extraDirs.clear();
    return notes.filter(Boolean);
  }
}

const ratio = (p, s) => fmtRatio(p?.rate, s?.rate);

/** The median of the rounds' server CPU per reply. */
function medianCpu(results) {
  const cpu = results.filter((r) => r && Number.isFinite(r.cpuPerReply)).map((r) => r.cpuPerReply);
  return cpu.sort((a, b) => a - b)[Math.floor((cpu.length - 1) / 2)] ?? NaN;
}

/** The median round by rate; a round with problems wins, so that they are reported. */
export function median(results) {
  const done = results.filter(Boolean);
  if (done.length === 0) return null;
  const flagged = done.find((r) => r.flagged);
  if (flagged) return flagged;
  return [...done].sort((a, b) => a.rate - b.rate)[Math.floor((done.length - 1) / 2)];
}
