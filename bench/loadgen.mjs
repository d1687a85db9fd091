// loadgen.mjs - line-protocol load generator for 127.0.0.1, on worker_threads (loadgen-worker.mjs).
//
//   node bench/loadgen.mjs --port P [--mode pipelined|reqresp|oneshot] [--conns C] [--depth D]
//        [--threads T] [--duration S] [--warmup S] [--ids N] [--id ID] [--total N] [--json]
//
// Modes (defaults in brackets):
//   pipelined  C connections [8], each keeping D lines in flight [64]: D lines at once, then k more
//              (one write) whenever k replies arrive.
//   reqresp    C connections [64], one line in flight each.
//   oneshot    C concurrent loops [16]: connect, send one line, read the reply, close; repeat.
// Lines are `LOG <id> <value>` over a few fixed values; with --ids N > 1 the ids are <id>0 ..
// <id>N-1 round-robin. Every reply must be exactly `201 Metric Inserted`; anything else is counted
// as bad (with samples), lines never answered as errors. (runLoad's `line` and `reply` options
// send another command instead, e.g. `NEW-ALERT {id} AVG 60 {value}` expecting
// `200 Alert Registered`.)
// By default a run lasts warmup + duration seconds and the rate is the count of `201` replies in
// the measured window divided by its length. With --total N (persistent modes) it stops by itself
// once exactly N `201` replies have arrived (a bad reply is replaced by a new line), or after
// --time-limit seconds; the rate is then N over the whole run.
// Every run is bounded: connect wait, measured time, a drain after the stop, and a no-progress
// watchdog (no reply for --no-progress seconds while lines are in flight aborts the run).
// runLoad({ tlsCa: PEM }) connects over TLS, verifying the server against that CA.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export const MODE_DEFAULTS = {
  pipelined: { conns: 8, depth: 64 },
  reqresp: { conns: 64, depth: 1 },
  oneshot: { conns: 16, depth: 1 },
};
export const DEFAULT_VALUES = ['1', '2.5', '-3.75', '0.125', '1e3'];

/**
 * Runs one load and resolves to its figures. Never rejects for the server's sake: failures show
 * up as bad replies, errors, connection errors or `problems`.
 */
export async function runLoad(options) {
  const o = {
    mode: 'pipelined',
    threads: 2,
    duration: 3,
    warmup: 0.5,
    ids: 1,
    id: 'bench.p',
    values: DEFAULT_VALUES,
    total: 0,
    timeLimit: 600,
    noProgress: 10,
    drain: 5,
    connectWait: 10,
    line: 'LOG {id} {value}',
    reply: '201 Metric Inserted',
    ...options,
  };
  const defaults = MODE_DEFAULTS[o.mode];
  if (!defaults) throw new Error(`unknown mode ${o.mode}`);
  const conns = Math.max(1, Math.floor(o.conns ?? defaults.conns));
  const depth = o.mode === 'pipelined' ? Math.max(1, Math.floor(o.depth ?? defaults.depth)) : 1;
  const threads = Math.max(1, Math.min(Math.floor(o.threads), conns));
  const total = Math.max(0, Math.floor(o.total));
  if (total && o.mode === 'oneshot') throw new Error('--total needs a persistent mode');
  if (!(o.port > 0 && o.port < 65536)) throw new Error(`bad port ${o.port}`);

  const stats = new SharedArrayBuffer(threads * 4 * 4);
  const counters = new Uint32Array(stats);
  const snap = () => {
    const s = [0, 0, 0, 0];
    for (let t = 0; t < threads; t++)
      for (let k = 0; k < 4; k++) s[k] += Atomics.load(counters, t * 4 + k);
    return s;
  };
  // contiguous split of the connections (and of the --total budget) between the threads. Each
  // connection's budget ends where the next connection's lines start in the ring (it starts at
  // floor(i * ring / conns)), so a total equal to the ring's length sends every line exactly once
  // (NEW-ALERT: each rule registered once).
  const budgets = total
    ? Array.from(
        { length: conns },
        (_, i) => Math.floor(((i + 1) * total) / conns) - Math.floor((i * total) / conns),
      )
    : null;
  const problems = [];
  const workers = [];
  let at = 0;
  for (let t = 0; t < threads; t++) {
    const n = Math.floor(conns / threads) + (t < conns % threads ? 1 : 0);
    const connIndexes = Array.from({ length: n }, (_, i) => at + i);
    const worker = new Worker(new URL('./loadgen-worker.mjs', import.meta.url), {
      workerData: {
        port: o.port,
        mode: o.mode,
        connIndexes,
        totalConns: conns,
        depth,
        id: o.id,
        ids: Math.max(1, Math.floor(o.ids)),
        values: o.values,
        budgets: budgets && budgets.slice(at, at + n),
        stats,
        slot: t,
        noProgressMs: o.noProgress * 1000,
        drainMs: o.drain * 1000,
        tlsCa: o.tlsCa,
        line: o.line,
        reply: o.reply,
      },
    });
    at += n;
    const w = { worker, ready: null, done: null, result: null, doneAt: 0 };
    w.ready = new Promise((resolve) => {
      worker.on('message', (m) => m.type === 'ready' && resolve());
      worker.on('exit', resolve);
    });
    w.done = new Promise((resolve) => {
      worker.on('message', (m) => {
        if (m.type !== 'done') return;
        w.result = m;
        w.doneAt = performance.now();
        resolve();
      });
      worker.on('error', (e) => problems.push(`load thread ${t} crashed: ${e.message}`));
      worker.on('exit', resolve);
    });
    workers.push(w);
  }
  const allDone = Promise.all(workers.map((w) => w.done));
  const within = (promise, seconds) => {
    let timer;
    const expired = new Promise((resolve) => (timer = setTimeout(resolve, seconds * 1000, false)));
    return Promise.race([promise.then(() => true), expired]).finally(() => clearTimeout(timer));
  };
  const stop = () => workers.forEach((w) => w.worker.postMessage({ type: 'stop' }));

  if (!(await within(Promise.all(workers.map((w) => w.ready)), o.connectWait)))
    problems.push(`connections not all open after ${o.connectWait} s`);
  const tReady = performance.now();
  let tA;
  let tB;
  let s0;
  let s1;
  if (total) {
    tA = tReady; // from the moment the connections are open (threads started, connected)
    s0 = [0, 0, 0, 0];
    if (!(await within(allDone, o.timeLimit))) {
      problems.push(`stopped by the ${o.timeLimit} s time limit before ${total} acknowledgements`);
      stop();
    }
  } else {
    await within(allDone, o.warmup);
    tA = performance.now();
    s0 = snap();
    await within(allDone, o.duration);
    tB = performance.now();
    s1 = snap();
    stop();
  }
  if (!(await within(allDone, o.drain + 3)))
    problems.push('load threads did not finish; terminated');
  await Promise.all(workers.map((w) => w.worker.terminate()));

  const sum = { ok: 0, bad: 0, errors: 0, connErrors: 0 };
  let firstSentAt = Infinity;
  let lastOkAt = 0;
  const samples = new Map();
  const errorKinds = new Map();
  for (const [t, w] of workers.entries()) {
    const r = w.result;
    if (!r) {
      problems.push(`load thread ${t} gave no result`);
      continue;
    }
    for (const k of Object.keys(sum)) sum[k] += r[k];
    if (r.firstSentAt) firstSentAt = Math.min(firstSentAt, r.firstSentAt);
    lastOkAt = Math.max(lastOkAt, r.lastOkAt);
    for (const [text, n] of r.samples) samples.set(text, (samples.get(text) ?? 0) + n);
    for (const [text, n] of r.errorKinds) errorKinds.set(text, (errorKinds.get(text) ?? 0) + n);
    if (r.abortReason && !problems.includes(`aborted: ${r.abortReason}`))
      problems.push(`aborted: ${r.abortReason}`);
  }
  if (total) {
    tB = Math.max(...workers.map((w) => w.doneAt || performance.now()));
    s1 = [sum.ok, sum.bad, sum.errors, sum.connErrors];
    if (sum.ok !== total && !problems.some((p) => p.startsWith('stopped')))
      problems.push(`got ${sum.ok} acknowledgements, wanted ${total}`);
  }
  const seconds = (tB - tA) / 1000;
  const windowOk = (s1[0] - s0[0]) >>> 0;
  return {
    mode: o.mode,
    conns,
    depth,
    threads,
    ids: Math.max(1, Math.floor(o.ids)),
    seconds,
    windowOk,
    rate: seconds > 0 ? windowOk / seconds : 0,
    /** From the first request sent to the last right reply, over all threads (s). */
    sentToLastOk: lastOkAt > firstSentAt ? (lastOkAt - firstSentAt) / 1000 : 0,
    ...sum,
    samples: [...samples],
    errorKinds: [...errorKinds],
    problems,
    flagged: sum.bad > 0 || sum.errors > 0 || sum.connErrors > 0 || problems.length > 0,
  };
}

/** One-line description of what went wrong in a run ('' when nothing did). */
export function describeProblems(r) {
  const out = [];
  if (r.bad)
    out.push(
      `${r.bad} wrong ${r.bad === 1 ? 'reply' : 'replies'} (${r.samples.map(([t, n]) => `${n}x "${t}"`).join(', ')})`,
    );
  if (r.errors || r.connErrors)
    out.push(
      `${r.errors} lines unanswered, ${r.connErrors} connection errors (${r.errorKinds
        .map(([t, n]) => `${n}x ${t}`)
        .join(', ')})`,
    );
  out.push(...r.problems);
  return out.join('; ');
}

async function main() {
  const { values: a } = parseArgs({
    options: {
      port: { type: 'string' },
      mode: { type: 'string', default: 'pipelined' },
      conns: { type: 'string' },
      depth: { type: 'string' },
      threads: { type: 'string', default: '2' },
      duration: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '0.5' },
      ids: { type: 'string', default: '1' },
      id: { type: 'string' },
      total: { type: 'string', default: '0' },
      'time-limit': { type: 'string', default: '600' },
      'no-progress': { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (a.help || !a.port) {
    const text = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8');
    process.stdout.write(
      text
        .split('\n')
        .filter((l) => l.startsWith('//'))
        .map((l) => l.slice(3))
        .join('\n') + '\n',
    );
    process.exitCode = a.help ? 0 : 2;
    return;
  }
  const num = (s) => (s === undefined ? undefined : Number(s));
  const r = await runLoad({
    port: num(a.port),
    mode: a.mode,
    conns: num(a.conns),
    depth: num(a.depth),
    threads: num(a.threads),
    duration: num(a.duration),
    warmup: num(a.warmup),
    ids: num(a.ids),
    id: a.id ?? (Number(a.ids) > 1 ? 'bench.m' : 'bench.p'),
    total: num(a.total),
    timeLimit: num(a['time-limit']),
    noProgress: num(a['no-progress']),
  });
  if (a.json) console.log(JSON.stringify(r));
  else {
    console.log(
      `mode=${r.mode} conns=${r.conns} depth=${r.depth} threads=${r.threads} ids=${r.ids} ` +
        `secs=${r.seconds.toFixed(3)} ok_in_window=${r.windowOk} rate=${Math.round(r.rate)} ` +
        `ok=${r.ok} bad=${r.bad} errors=${r.errors} conn_errors=${r.connErrors}`,
    );
    if (r.flagged) console.log(`problems: ${describeProblems(r)}`);
  }
  process.exitCode = r.flagged ? 3 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
