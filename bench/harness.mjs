// harness.mjs - what the scenarios share: the options, the two servers, the report, the count of
// values Pulse acknowledged (in all and per id), and loads reported as table rows.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeProblems, runLoad } from './loadgen.mjs';
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
    const r = await runLoad({ port: srv.port, threads, duration, warmup, ...options });
    onDone?.();
    if (srv === this.pulse) {
      this.acked += r.ok;
      const key = (options.ids ?? 1) > 1 ? `${options.id}*` : (options.id ?? 'bench.p');
      this.ackedById.set(key, this.ackedFor(key) + r.ok);
    }
    log(
      `  ${fmtInt(r.rate)}/s in ${r.seconds.toFixed(2)} s` +
        (r.flagged ? `, PROBLEMS: ${describeProblems(r)}` : ''),
    );
    await sleep(300); // let the server settle before the next load
    return r;
  }

  /** The same load on the sink, then on Pulse: one row with both rates and their ratio. */
  async loadRow(label, options) {
    const s = await this.load(this.sink, label, options);
    const p = await this.load(this.pulse, label, options);
    this.report.row(label, this.loadCell(this.pulse, p), this.loadCell(this.sink, s), ratio(p, s));
    return { p, s };
  }

  /** A load on Pulse only: one row with its rate. */
  async pulseRow(label, options) {
    const p = await this.load(this.pulse, label, options);
    this.report.row(label, this.loadCell(this.pulse, p), 'n/a');
    return p;
  }

  /** Stops every server and removes every data directory (also on an interrupt). */
  async cleanup() {
    const notes = [await stopServer(this.pulse), await stopServer(this.sink)];
    for (const srv of this.extraServers) notes.push(await stopServer(srv));
    for (const dir of [this.dataDir, ...this.extraDirs])
      if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
    this.dataDir = '';
    this.extraDirs.clear();
    return notes.filter(Boolean);
  }
}

const ratio = (p, s) => fmtRatio(p?.rate, s?.rate);
