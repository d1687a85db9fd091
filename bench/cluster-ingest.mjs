// cluster-ingest.mjs - the ingest part of the `cluster` scenario: pipelined LOG 8x64 through one
// Pulse node and spread over the three, the bare JetStream publisher (the floor of the design)
// with the same batches, and the single-node Pulse, taking turns for --rounds rounds; the CPU
// time of the Pulse nodes and nats-servers per acknowledged value.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageType } from '@nats-io/jetstream';
import { LineClient } from './line-client.mjs';
import { describeProblems, runLoad } from './loadgen.mjs';
import { cpuDelta, cpuSample } from './proc-cpu.mjs';
import { REPLICAS, partitionOf } from './pulse-cluster.mjs';
import { fmtInt, log } from './report.mjs';
import { ROOT, alive } from './servers.mjs';

export const INGEST_ID = 'bench.c';
export const CONNS = 8; // the `pipelined` scenario's shape: 8 connections x 64 in flight
export const DEPTH = 64; // loadgen's default depth in pipelined mode
const CALIBRATION_S = 2;
const FLOOR_STREAM = 'PULSE_BENCH_FLOOR';
export const FLOOR_WINDOW = 64; // publishes in flight in the bare publisher
const FLOOR_GRACE_S = 30; // beyond warm-up + duration, before the publisher is killed
// A QUERY selecting nothing: the owner answers it once it applied everything the stream held for
// the partition when it arrived (read-your-writes), without a scan of the values.
const BARRIER = `QUERY ${INGEST_ID} MAX 60 2100-01-01 2100-01-02`;
const BARRIER_DEADLINE_S = 30;

/**
 * Pipelined LOG 8x64 of INGEST_ID through `servers` (the connections spread over them); resolves
 * to the merged load result plus `messages` (stream messages it added), `cpu` (CPU seconds of the
 * Pulse nodes and nats-servers from its start until the owner applied it all) and `applyLagS`.
 */
export async function clusterLoad(bench, rig, servers, options = {}) {
  const { duration, warmup, total = 0, timeLimit = 300 } = options;
  const { opts } = bench;
  const state0 = await rig.streamState();
  const cpu0 = cpuSample({ pulse: rig.livePulse, nats: rig.nats.servers });
  const n = servers.length;
  const shares = servers.map((_, i) => Math.floor(CONNS / n) + (i < CONNS % n ? 1 : 0));
  const totals = shares.map((n) => Math.floor((total * n) / CONNS));
  totals[0] += total - totals.reduce((a, b) => a + b, 0);
  const runs = await Promise.all(
    servers.map((srv, i) =>
      runLoad({
        port: srv.port,
        threads: n > 1 ? 1 : opts.threads,
        duration: duration ?? opts.duration,
        warmup: warmup ?? opts.warmup,
        mode: 'pipelined',
        conns: shares[i],
        depth: DEPTH,
        id: INGEST_ID,
        total: totals[i],
        timeLimit,
      }),
    ),
  );
  const r = mergeLoads(runs);
  rig.acked(INGEST_ID, r.ok);
  const tEnd = performance.now();
  const cpuEnd = cpuSample({ pulse: rig.livePulse, nats: rig.nats.servers });
  // After one barrier failed, the next ones are given little time: the owner is stuck.
  const owner = rig.ownerNode(partitionOf(INGEST_ID))?.srv ?? servers[0];
  const barrier = await applyBarrier(owner, rig.barrierFailed ? 5 : BARRIER_DEADLINE_S);
  r.applyLagS = (performance.now() - tEnd) / 1000;
  if (barrier.error) {
    rig.barrierFailed = true;
    r.problems.push(`after the load, ${BARRIER}: ${barrier.error}`);
    r.flagged = true;
    r.applyLagS = NaN;
  }
  // the CPU until everything was applied, or (never applied) until the load ended
  const cpu1 = barrier.error ? cpuEnd : cpuSample({ pulse: rig.livePulse, nats: rig.nats.servers });
  r.cpu = cpuDelta(cpu0, cpu1);
  r.messages = (await rig.streamState()).messages - state0.messages;
  return r;
}

/** One result out of the loads run side by side on several nodes. */
function mergeLoads(runs) {
  const r = {
    rate: 0,
    ok: 0,
    bad: 0,
    errors: 0,
    connErrors: 0,
    seconds: 0,
    samples: [],
    errorKinds: [],
    problems: [],
  };
  for (const x of runs) {
    for (const k of ['rate', 'ok', 'bad', 'errors', 'connErrors']) r[k] += x[k];
    r.seconds = Math.max(r.seconds, x.seconds);
    r.samples.push(...x.samples);
    r.errorKinds.push(...x.errorKinds);
    r.problems.push(...x.problems);
  }
  r.flagged = runs.some((x) => x.flagged);
  return r;
}

/** Sends BARRIER (again after a 503) until a `200` reply; { error } when none came in time. */
async function applyBarrier(srv, deadlineS) {
  const client = await LineClient.open(srv.port);
  const t0 = performance.now();
  let error = client.error;
  try {
    while (!error) {
      const r = await client.request(BARRIER, deadlineS);
      if (r.error) error = r.error;
      else if (r.text.startsWith('200 ')) break;
      else if (!r.text.startsWith('503')) error = `reply "${r.text}"`;
      else if ((performance.now() - t0) / 1000 > deadlineS)
        error = `still 503 after ${deadlineS} s`;
    }
  } finally {
    client.close();
  }
  return { error };
}

/**
 * The bare publisher (jetstream-publisher.mjs, its own process) for warm-up + duration: `batch`
 * values per message, FLOOR_WINDOW in flight, to the floor stream. Resolves to its result plus
 * the nats-servers' CPU seconds while it published, or { error }.
 */
async function floorLoad(bench, rig, batch, window) {
  const { warmup, duration } = bench.opts;
  const subject = `bench.floor.${partitionOf(INGEST_ID)}`;
  const argv = [
    path.join(ROOT, 'bench/jetstream-publisher.mjs'),
    ...['--servers', rig.nats.urls, '--subject', subject, '--id', INGEST_ID],
    ...['--batch', String(batch), '--window', String(window)],
    ...['--warmup', String(warmup), '--duration', String(duration)],
  ];
  log(`bare JetStream publisher, ${batch}-value messages, ${window} in flight ...`);
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name: 'bare JetStream publisher', child, pid: child.pid, exit: null };
  proc.exited = new Promise((resolve) => child.once('close', resolve));
  bench.extraServers.add(proc);
  let out = '';
  let err = '';
  let cpu0 = null;
  let cpu1 = null;
  const sample = () => cpuSample({ nats: rig.nats.servers });
  child.stderr.setEncoding('utf8').on('data', (t) => (err += t));
  child.stdout.setEncoding('utf8').on('data', (t) => {
    out += t;
    if (!cpu0 && out.includes('publishing\n')) cpu0 = sample();
    if (!cpu1 && /\{.*\}\n/.test(out)) cpu1 = sample();
  });
  const limit = (warmup + duration + FLOOR_GRACE_S) * 1000;
  const exited = await Promise.race([proc.exited.then(() => true), sleep(limit, false)]);
  if (!exited) child.kill('SIGKILL');
  proc.exit = 'done';
  bench.extraServers.delete(proc);
  const json = /\{.*\}/.exec(out);
  if (!json || !cpu0 || !cpu1)
    return { error: exited ? `no result: ${err.trim().slice(-300)}` : 'killed after the limit' };
  const r = JSON.parse(json[0]);
  log(`  ${fmtInt(r.rate)} values/s in ${r.seconds.toFixed(2)} s`);
  return { ...r, cpu: { ...cpuDelta(cpu0, cpu1), publisher: r.cpuSeconds } };
}

/** The floor's stream: the values stream's settings under other subjects (nothing applies it). */
async function addFloorStream(rig) {
  await rig.jsm.streams.add({
    name: FLOOR_STREAM,
    subjects: ['bench.floor.*'],
    num_replicas: REPLICAS,
    storage: StorageType.File,
    duplicate_window: 120 * 1e9,
  });
}

/** The median of `rounds` by `key`; a flagged round wins (so that it is reported). */
export function medianBy(rounds, key) {
  const done = rounds.filter(Boolean);
  if (!done.length) return null;
  const flagged = done.find((r) => r.flagged || r.error);
  if (flagged) return flagged;
  return [...done].sort((a, b) => key(a) - key(b))[Math.floor((done.length - 1) / 2)];
}

/** Median of numbers (NaN for none). */
export const medianOf = (xs) =>
  medianBy(
    xs.map((x) => ({ x })),
    (o) => o.x,
  )?.x ?? NaN;

/**
 * Calibrates the floor's batch size on a short load through the entry node, then runs the
 * rounds. Resolves to { entry, owner, batch, one, all, floor, single } with the rounds of each.
 */
export async function ingestRounds(bench, rig) {
  const partition = partitionOf(INGEST_ID);
  const owner = rig.ownerNode(partition);
  const entry = rig.running().find((n) => n.nodeId !== owner?.nodeId);
  log(
    `cluster ingest: ${INGEST_ID} is in partition ${partition}, owned by ${owner?.nodeId}; ` +
      `one-node loads go through ${entry.nodeId}`,
  );
  await addFloorStream(rig);
  log(`calibration: ${CALIBRATION_S} s through ${entry.nodeId} (also a warm-up)`);
  const cal = await clusterLoad(bench, rig, [entry.srv], { duration: CALIBRATION_S, warmup: 0 });
  const batch = Math.max(1, Math.round(cal.ok / Math.max(1, cal.messages)));
  log(`  ${fmtInt(cal.ok)} values in ${fmtInt(cal.messages)} messages: ${batch} per message`);
  // the load keeps CONNS x DEPTH values in flight: as many in messages of `batch` values
  const sameWindow = Math.max(1, Math.ceil((CONNS * DEPTH) / batch));
  const rounds = { one: [], all: [], floor: [], floorSame: [], single: [] };
  for (let round = 0; round < bench.opts.rounds; round++) {
    rounds.floor.push(await floorLoad(bench, rig, batch, FLOOR_WINDOW));
    await sleep(300);
    rounds.floorSame.push(await floorLoad(bench, rig, batch, sameWindow));
    await sleep(300);
    rounds.one.push(await pulseRun(bench, rig, `through ${entry.nodeId}`, [entry.srv]));
    rounds.all.push(await pulseRun(bench, rig, 'over the three nodes', rig.livePulse));
    if (alive(bench.pulse))
      rounds.single.push(
        await bench.load(bench.pulse, 'single-node Pulse pipelined LOG 8x64', {
          mode: 'pipelined',
        }),
      );
  }
  return { entry, owner, partition, batch, sameWindow, cal, ...rounds };
}

async function pulseRun(bench, rig, what, servers) {
  log(`cluster pipelined LOG 8x64 ${INGEST_ID} ${what} ...`);
  const r = await clusterLoad(bench, rig, servers);
  log(
    `  ${fmtInt(r.rate)}/s, ${fmtInt(r.ok)} acknowledged in ${fmtInt(r.messages)} messages, ` +
      `applied ${r.applyLagS.toFixed(2)} s after the load` +
      (r.flagged ? `, PROBLEMS: ${describeProblems(r)}` : ''),
  );
  await sleep(300);
  return r;
}
