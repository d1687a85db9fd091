// alert-scenario.mjs - `alerts`: a separate Pulse instance (own data dir, alert checks every 5 s)
// with 10,000 metrics and one rule each, under pipelined LOG load over those metrics. It reports
// the registration rate, the checks the server logged (`alert check: N rules in X ms (F firing,
// R resolved)`) and the ingest rate while they ran.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, within } from './line-client.mjs';
import { describeProblems, runLoad } from './loadgen.mjs';
import { fmtInt, fmtRatio, log } from './report.mjs';
import { alive, startPulse, stopServer } from './servers.mjs';

export const ALERT_IDS = 10_000;
const ALERT_PERIOD_S = 5;
const PREFIX = 'bench.a';
const VALUES = ['1', '2', '3', '4', '5'];
const FIRE_EVERY = 1000; // 1 rule in 1000 has limit 0 (fires), the others 1e9 (never)
const REGISTER_CONNS = 64; // one NEW-ALERT in flight on each: many clients registering at once
const REGISTER_TIME_LIMIT_S = 120;
const REGISTERED = '200 Alert Registered';
const CHECK = /alert check: (\d+) rules in (\d+) ms \((\d+) firing, (\d+) resolved\)/;
const SKIPPED = /alert check skipped/;
const AFTER_LOAD_WAIT_S = 2 * ALERT_PERIOD_S + 10; // for the line of a check still running

/** Rule i's limit: 0 (fires) for 1 rule in FIRE_EVERY, 1e9 (never) for the others. */
const LIMITS = Array.from({ length: FIRE_EVERY }, (_, i) => (i === 0 ? '0' : '1e9'));
const idLoad = (more) => ({
  mode: 'pipelined',
  ids: ALERT_IDS,
  id: PREFIX,
  values: VALUES,
  ...more,
});

/**
 * Registers the ALERT_IDS rules (`NEW-ALERT <PREFIX>i AVG 60 <limit>`, each once) over
 * REGISTER_CONNS connections with one line in flight on each, through the load generator (a
 * JavaScript client of the bench's own was the bottleneck at ~12,000 lines/s). The rate counts
 * from the first NEW-ALERT sent to the last `200 Alert Registered`.
 */
async function registerRules(bench, port) {
  const r = await runLoad({
    port,
    mode: 'reqresp',
    conns: REGISTER_CONNS,
    threads: bench.opts.threads,
    ids: ALERT_IDS,
    id: PREFIX,
    values: LIMITS,
    total: ALERT_IDS,
    timeLimit: REGISTER_TIME_LIMIT_S,
    line: 'NEW-ALERT {id} AVG 60 {value}',
    reply: REGISTERED,
  });
  return { ...r, rate: r.sentToLastOk > 0 ? r.ok / r.sentToLastOk : 0 };
}

/** The server's `alert check: ...` and `alert check skipped` lines, with their arrival times. */
class CheckLog {
  checks = []; // { at, start, rules, ms, firing, resolved }, times in performance.now() ms
  skipped = []; // arrival times
  waiters = [];

  onLine = (line, fromStdout) => {
    if (!fromStdout) return;
    const m = CHECK.exec(line);
    if (m) {
      const [rules, ms, firing, resolved] = m.slice(1).map(Number);
      const at = performance.now();
      this.checks.push({ at, start: at - ms, rules, ms, firing, resolved });
      this.waiters.splice(0).forEach((resolve) => resolve(true));
    } else if (SKIPPED.test(line)) this.skipped.push(performance.now());
  };

  /** Resolves to true at the next check line, false after `seconds`. */
  nextCheck(seconds) {
    return within(new Promise((resolve) => this.waiters.push(resolve)), seconds, false);
  }
}

/** The `alerts` scenario; its instance and data dir are gone when it returns. */
export async function alertScenario(bench) {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-alerts-'));
  bench.extraDirs.add(dir);
  const checkLog = new CheckLog();
  log(`alerts: starting a separate Pulse (checks every ${ALERT_PERIOD_S} s) in ${dir}`);
  const env = { PULSE_ALERT_PERIOD_SECONDS: String(ALERT_PERIOD_S) };
  const srv = await startPulse('Pulse (alerts)', dir, env, checkLog.onLine);
  bench.extraServers.add(srv);
  try {
    if (srv.startError) {
      bench.startFailed(srv, 'Pulse for the alert scenario');
      bench.report.row(`alert checks, ${fmtInt(ALERT_IDS)} rules`, 'failed to start', 'n/a');
      return;
    }
    if (await seedAndRegister(bench, srv)) await loadDuringChecks(bench, srv, checkLog);
    bench.noteDeaths([srv]);
  } finally {
    const note = await stopServer(srv);
    if (note) bench.report.extra.push(note);
    bench.extraServers.delete(srv);
    await fs.promises.rm(dir, { recursive: true, force: true });
    bench.extraDirs.delete(dir);
  }
}

/** One LOG per metric, then one rule per metric; false when the server is gone. */
async function seedAndRegister(bench, srv) {
  const { report } = bench;
  const n = fmtInt(ALERT_IDS);
  const seeded = await bench.load(
    srv,
    `alerts: one LOG for each of ${PREFIX}0..${ALERT_IDS - 1}`,
    idLoad({ total: ALERT_IDS, timeLimit: 120 }),
  );
  if (seeded?.flagged)
    report.row(`one LOG to each of ${n} metrics ${PREFIX}<i>`, bench.loadCell(srv, seeded), 'n/a');
  if (!alive(srv)) return false;
  log(`alerts: NEW-ALERT x ${n} on ${REGISTER_CONNS} connections, one in flight each`);
  const reg = await registerRules(bench, srv.port);
  let cell = reg.ok ? fmtInt(reg.rate) : 'none';
  if (reg.flagged) cell = report.flag(cell, `Pulse (alerts), NEW-ALERT: ${describeProblems(reg)}`);
  report.row(
    `register ${n} rules NEW-ALERT ${PREFIX}<i> AVG 60 <limit>, ${REGISTER_CONNS}x1 (rules/s)`,
    cell,
    'n/a',
  );
  log(`  ${reg.ok} replies in ${reg.sentToLastOk.toFixed(2)} s`);
  return alive(srv);
}

/** Pipelined LOG over the alerted metrics for --alert-duration s; the checks that ran meanwhile. */
async function loadDuringChecks(bench, srv, checkLog) {
  const { report } = bench;
  const n = fmtInt(ALERT_IDS);
  const seconds = bench.opts.alertDuration;
  const label = `pipelined LOG 8x64 over the ${n} alerted metrics, ${seconds} s (LOG/s)`;
  const t0 = performance.now();
  let t1 = Infinity;
  const r = await bench.load(srv, label, idLoad({ duration: seconds, warmup: 0 }), () => {
    t1 = performance.now();
  });
  // A check still running at the end of the load logs its line when it ends: wait for one line
  // that arrives after the load (a running check's, or the next, quiet one's).
  let ended = checkLog.checks.some((c) => c.at > t1);
  if (!ended && alive(srv)) {
    log(`alerts: waiting for a check line after the load (at most ${AFTER_LOAD_WAIT_S} s)`);
    while (!ended && performance.now() - t1 < AFTER_LOAD_WAIT_S * 1000)
      ended = await checkLog.nextCheck(AFTER_LOAD_WAIT_S);
  }
  const during = checkLog.checks.filter((c) => c.start >= t0 && c.start <= t1);
  const skipped = checkLog.skipped.filter((at) => at >= t0 && at <= t1).length;
  report.row(label, bench.loadCell(srv, r), 'n/a');
  const many = bench.rates.many?.p;
  report.row(
    `  rate during the checks / 8x64 over ${n} metrics on the main Pulse (many)`,
    many ? fmtRatio(r?.rate, many.rate) : 'n/a (many not run)',
    'n/a',
  );
  checkRows(report, { during, skipped, ended, seconds });
  const checkText = (c) =>
    `started at +${((c.start - t0) / 1000).toFixed(1)} s: ${c.rules} rules in ${c.ms} ms ` +
    `(${c.firing} firing, ${c.resolved} resolved)`;
  report.extra.push(
    `alert checks that started during the ${seconds} s load: ` +
      (during.length ? during.map(checkText).join('; ') : 'none') +
      `; ${checkLog.checks.length} check lines in all, ${checkLog.skipped.length} skipped checks`,
  );
}

/** Rows of the checks started during the load: how many, rules per check, times, skipped ones. */
function checkRows(report, { during, skipped, ended, seconds }) {
  let seen = fmtInt(during.length);
  if (!ended)
    seen = report.flag(
      seen,
      `Pulse (alerts): no "alert check:" line within ${AFTER_LOAD_WAIT_S} s after the load ` +
        '(a check may still have been running)',
    );
  else if (!during.length)
    seen = report.flag(seen, 'Pulse (alerts): no alert check started during the load');
  report.row(
    `alert checks every ${ALERT_PERIOD_S} s started during the ${seconds} s load`,
    seen,
    'n/a',
  );
  if (during.length) {
    const counts = [...new Set(during.map((c) => c.rules))];
    let rules = counts.map(fmtInt).join(', ');
    if (counts.some((c) => c !== ALERT_IDS))
      rules = report.flag(rules, `Pulse (alerts): not every check covered all ${ALERT_IDS} rules`);
    report.row('  rules per check', rules, 'n/a');
    const ms = during.map((c) => c.ms).sort((a, b) => a - b);
    report.row('  check time, median (ms)', fmtInt(median(ms)), 'n/a');
    report.row('  check time, max (ms)', fmtInt(ms[ms.length - 1]), 'n/a');
  }
  report.row('  checks skipped: the previous one still running', fmtInt(skipped), 'n/a');
}
