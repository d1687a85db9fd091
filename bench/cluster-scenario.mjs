// cluster-scenario.mjs - `cluster`: Pulse's cluster mode on one machine. Three nats-servers (an
// R3 JetStream cluster) and three Pulse nodes (lease 2 s), all started here and all stopped and
// removed at the end. Rows: pipelined ingest through one node and over the three, against a bare
// JetStream publisher (the floor of the design) and the single-node Pulse in the same rounds;
// CPU per value of the Pulse nodes and of the nats-servers; takeover after SIGKILL of a
// partition owner; catch-up of a node started alone on an empty data directory.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CONNS,
  DEPTH,
  FLOOR_WINDOW,
  INGEST_ID,
  ingestRounds,
  medianBy,
  medianOf,
} from './cluster-ingest.mjs';
import { CATCHUP_NODE, TAKEOVER_TRIALS, catchUp, takeoverTrials } from './cluster-recovery.mjs';
import { describeProblems } from './loadgen.mjs';
import { cpuDelta, cpuSample } from './proc-cpu.mjs';
import { natsServerVersion } from './nats-cluster.mjs';
import { LEASE_S, PARTITIONS, PulseCluster } from './pulse-cluster.mjs';
import { fmtInt, fmtRatio, log } from './report.mjs';

const NODES = 3;
const IDLE_S = 2;

const us = (seconds, values) => (values > 0 ? (seconds * 1e6) / values : NaN);
const fmtUs = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

export async function clusterScenario(bench) {
  const { report } = bench;
  const nats = natsServerVersion();
  if (nats.error) {
    report.row('cluster', report.flag('not run', `cluster: ${nats.error}`), 'n/a');
    return;
  }
  const t0 = performance.now();
  const rig = new PulseCluster(bench);
  try {
    log(`cluster: starting three nats-servers (${nats.version}) and ${NODES} Pulse nodes`);
    try {
      await rig.startNats();
    } catch (error) {
      bench.exitCode = 1;
      throw error;
    }
    for (let i = 0; i < NODES; i++) await rig.startNode(i);
    const settled = await rig.waitStable();
    if (Number.isNaN(settled)) throw new Error('the partition leases did not settle in 30 s');
    log(`cluster: partition leases settled ${settled.toFixed(2)} s after the last node started`);
    const idle = await idleCpu(rig);
    ingestRows(bench, await ingestRounds(bench, rig), idle);
    takeoverRow(bench, await takeoverTrials(rig));
    catchUpRows(bench, await catchUp(bench, rig));
  } catch (error) {
    if (!bench.exitCode) bench.exitCode = 1;
    const [first, ...rest] = String(error.message ?? error).split('\n');
    report.row('cluster', report.flag('failed', `cluster: ${first}`), 'n/a');
    report.extra.push(...rest.slice(-40).map((l) => `    ${l}`));
    log(`cluster failed: ${first}`);
  } finally {
    bench.noteDeaths([...rig.nodes.map((n) => n?.srv), ...(rig.nats?.servers ?? [])]);
    log('cluster: stopping the Pulse nodes and the nats-servers, removing their directories');
    report.extra.push(...(await rig.stop()));
    report.extra.push(
      `cluster: ${nats.version}, ${NODES} Pulse nodes, ${PARTITIONS} partitions, R3, lease ` +
        `${LEASE_S} s; the scenario took ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
}

/** CPU seconds per second of the Pulse nodes and the nats-servers with no load (lease ticks). */
async function idleCpu(rig) {
  const groups = () => ({ pulse: rig.livePulse, nats: rig.nats.servers });
  const before = cpuSample(groups());
  await sleep(IDLE_S * 1000);
  const d = cpuDelta(before, cpuSample(groups()));
  return { pulse: d.pulse / IDLE_S, nats: d.nats / IDLE_S };
}

/** A rate cell, flagged with what went wrong in the round shown (or in any round). */
function rateCell(report, what, r) {
  if (!r) return 'not run';
  if (r.error) return report.flag('failed', `${what}: ${r.error}`);
  const cell = fmtInt(r.rate);
  if (r.flagged) return report.flag(cell, `${what}: ${describeProblems(r)}`);
  if (r.errors) return report.flag(cell, `${what}: ${r.errors} publishes failed (${r.lastError})`);
  return cell;
}

function ingestRows(bench, ing, idle) {
  const { report } = bench;
  const byRate = (r) => r.rate ?? 0;
  const [one, all, floor, floorSame] = ['one', 'all', 'floor', 'floorSame'].map((k) =>
    medianBy(ing[k], byRate),
  );
  const single = medianBy(ing.single, byRate);
  const floorCell = rateCell(report, 'cluster, bare JetStream publisher', floor);
  const load = `pipelined LOG 8x64 ${INGEST_ID}`;
  report.row(
    `cluster floor: bare JetStream publisher, ${ing.batch}-value messages, ${FLOOR_WINDOW} in flight (values/s)`,
    '',
    'n/a',
    '',
    floorCell,
  );
  report.row(
    `cluster floor: the same, ${ing.sameWindow} in flight (the load's ${CONNS * DEPTH} values) (values/s)`,
    '',
    'n/a',
    '',
    rateCell(report, 'cluster, bare publisher with the load in flight', floorSame),
  );
  report.row(
    `cluster: ${load} through one node (LOG/s)`,
    rateCell(report, `cluster, through ${ing.entry.nodeId}`, one),
    'n/a',
    '',
    floorCell,
    fmtRatio(one?.rate, floor?.rate),
  );
  report.row(
    `cluster: ${load}, connections spread over the ${NODES} nodes (LOG/s)`,
    rateCell(report, 'cluster, over the three nodes', all),
    'n/a',
    '',
    floorCell,
    fmtRatio(all?.rate, floor?.rate),
  );
  report.row(
    `  single-node Pulse, pipelined LOG 8x64, in the same rounds (LOG/s)`,
    rateCell(report, 'single-node Pulse in the cluster rounds', single),
    'n/a',
  );
  report.row(
    '  through one node / single-node Pulse (same rounds)',
    fmtRatio(one?.rate, single?.rate),
    'n/a',
  );
  if (bench.rates.single?.p)
    report.row(
      '  through one node / the pipelined LOG 8x64 row',
      fmtRatio(one?.rate, bench.rates.single.p.rate),
      'n/a',
    );
  report.row(
    `  through one node / publisher with the load's values in flight`,
    fmtRatio(one?.rate, floorSame?.rate),
    'n/a',
  );
  const cpu = (runs, group) => medianOf(runs.filter(Boolean).map((r) => us(r.cpu[group], r.ok)));
  const floorCpu = (group) =>
    medianOf(ing.floor.filter((r) => r && !r.error).map((r) => us(r.cpu[group], r.acked)));
  report.row(
    '  CPU per value through one node, Pulse nodes + nats-servers (µs)',
    `${fmtUs(cpu(ing.one, 'pulse'))} + ${fmtUs(cpu(ing.one, 'nats'))}`,
    'n/a',
  );
  report.row(
    `  CPU per value over the ${NODES} nodes, Pulse nodes + nats-servers (µs)`,
    `${fmtUs(cpu(ing.all, 'pulse'))} + ${fmtUs(cpu(ing.all, 'nats'))}`,
    'n/a',
  );
  report.row(
    `  CPU per value of the bare publisher (${FLOOR_WINDOW} in flight), publisher + nats-servers (µs)`,
    `${fmtUs(floorCpu('publisher'))} + ${fmtUs(floorCpu('nats'))}`,
    'n/a',
  );
  const perMessage = (runs) =>
    runs
      .filter(Boolean)
      .map((r) => (r.messages ? (r.ok / r.messages).toFixed(0) : 'n/a'))
      .join(', ');
  report.extra.push(
    `cluster: ${INGEST_ID} is in partition ${ing.partition}, owned by ${ing.owner?.nodeId}; ` +
      `"through one node" is through ${ing.entry.nodeId}. Values per JetStream message: ` +
      `calibration ${ing.batch} (${fmtInt(ing.cal.ok)} values in ${fmtInt(ing.cal.messages)} ` +
      `messages, the publisher's batch), through one node ${perMessage(ing.one)}, over the ` +
      `${NODES} nodes ${perMessage(ing.all)} (per round)`,
    `cluster: CPU with no load (lease ticks): Pulse nodes ${(idle.pulse * 1000).toFixed(0)} ms/s, ` +
      `nats-servers ${(idle.nats * 1000).toFixed(0)} ms/s; the owner had applied each load ` +
      `${ing.one
        .concat(ing.all)
        .filter(Boolean)
        .map((r) => (Number.isFinite(r.applyLagS) ? r.applyLagS.toFixed(2) : 'never'))
        .join(', ')} s after it ended (the CPU rows count to then; never: to the load's end)`,
  );
}

function takeoverRow(bench, t) {
  const { report } = bench;
  const sorted = [...t.times].sort((a, b) => a - b);
  let cell = sorted.length ? medianOf(sorted).toFixed(2) : 'none';
  if (t.problems.length) cell = report.flag(cell, `cluster takeover: ${t.problems.join('; ')}`);
  report.row(
    `cluster: takeover after SIGKILL of an owner, lease ${LEASE_S} s, median of ${TAKEOVER_TRIALS} (s)`,
    cell,
    'n/a',
  );
  let heavy = Number.isNaN(t.heavy.seconds) ? 'none' : t.heavy.seconds.toFixed(2);
  if (t.heavy.problems.length)
    heavy = report.flag(
      heavy,
      `cluster takeover of ${INGEST_ID}'s partition: ${t.heavy.problems.join('; ')}`,
    );
  report.row(
    `  the same in ${INGEST_ID}'s partition (${fmtInt(t.partitionValues)} values to apply first), one trial (s)`,
    heavy,
    'n/a',
  );
  report.extra.push(
    `cluster takeover: ${t.times.map((s) => s.toFixed(2)).join(', ')} s from the SIGKILL to ` +
      `the right QUERY reply`,
  );
}

function catchUpRows(bench, c) {
  const { report } = bench;
  const done = Number.isFinite(c.spawnToDoneS);
  let cell = done ? c.spawnToDoneS.toFixed(2) : 'never';
  if (c.problems.length) cell = report.flag(cell, `cluster catch-up: ${c.problems.join('; ')}`);
  report.row(
    `cluster: catch-up of ${fmtInt(c.values)} values, one node, empty dir: spawn to applied (s)`,
    cell,
    'n/a',
  );
  report.row(
    '  values applied per second, from the spawn',
    done ? fmtInt(c.values / c.spawnToDoneS) : 'n/a',
    'n/a',
  );
  report.row(
    '  values applied per second, from its first "applying from sequence" line',
    done && Number.isFinite(c.applyingToDoneS) ? fmtInt(c.values / c.applyingToDoneS) : 'n/a',
    'n/a',
  );
  report.extra.push(
    `cluster catch-up: ${CATCHUP_NODE} listening ${c.spawnToReadyS.toFixed(2)} s after its ` +
      `spawn, ${done ? `all applied ${c.spawnToDoneS.toFixed(2)} s after it` : 'never all applied'}; the stream held ` +
      `${fmtInt(c.messages)} messages (${fmtInt(c.bytes)} bytes); ` +
      (c.countsRight ? 'its COUNTs add up to every acknowledged value' : 'see the flag'),
    ...c.forced,
  );
}
