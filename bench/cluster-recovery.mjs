// cluster-recovery.mjs - the failure part of the `cluster` scenario: takeover after SIGKILL of a
// partition owner (until a surviving node answers a QUERY with the value logged before the kill),
// and catch-up of a node started alone on an empty data directory (it owns every partition and
// applies the whole values stream).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { INGEST_ID, clusterLoad } from './cluster-ingest.mjs';
import { LineClient, countSum } from './line-client.mjs';
import { LEASE_S, partitionOf } from './pulse-cluster.mjs';
import { fmtInt, log } from './report.mjs';

export const TAKEOVER_TRIALS = 3;
const TAKEOVER_DEADLINE_S = 30; // from the SIGKILL
const INSERTED = '201 Metric Inserted';
export const CATCHUP_MIN_VALUES = 1_000_000; // topped up to this many before the catch-up
const CATCHUP_TOPUP_LIMIT_S = 120;
// from the spawn: a minute, or more for a stream bigger than 100,000 values a second can apply
const catchUpDeadlineS = (values) => Math.max(60, Math.ceil(values / 100_000));
export const CATCHUP_NODE = 'bench-catchup';
const APPLYING = /partition \d+: applying from sequence/;
const REQUEST_TIMEOUT_S = 15; // a QUERY answers 503 by itself after lease + 2 s

/** A QUERY that selects nothing: its owner answers once it applied the partition (see ingest). */
const barrier = (id) => `QUERY ${id} MAX 60 2100-01-01 2100-01-02`;

/**
 * Sends `command` to `port` (again after a 503 or a wrong reply) until `accept(reply)` or
 * `seconds` after `from` (performance.now() ms). Resolves to { at (performance.now()), text,
 * tries, others (replies other than 503), error }.
 */
async function pollUntil(port, command, accept, from, seconds) {
  const deadline = from + seconds * 1000;
  const out = { at: NaN, text: '', tries: 0, others: new Map(), error: '' };
  const client = await LineClient.open(port);
  out.error = client.error;
  let last = '';
  try {
    while (!out.error && performance.now() < deadline) {
      const left = Math.ceil((deadline - performance.now()) / 1000);
      const r = await client.request(command, Math.min(left, REQUEST_TIMEOUT_S));
      out.tries++;
      if (r.error && performance.now() < deadline) out.error = r.error;
      if (r.error) break;
      if (accept(r.text)) {
        out.at = performance.now();
        out.text = r.text;
        break;
      }
      last = r.text;
      if (!r.text.startsWith('503')) out.others.set(r.text, (out.others.get(r.text) ?? 0) + 1);
      await sleep(20);
    }
  } finally {
    client.close();
  }
  if (!out.error && Number.isNaN(out.at))
    out.error = `no such reply within ${seconds} s${last ? ` (the last: "${last}")` : ''}`;
  return out;
}

/** An id of the form `bench.t<k>.<j>` whose partition `nodeId` owns now and `accept`s. */
function idOwnedBy(rig, nodeId, k, accept) {
  for (let j = 0; j < 100_000; j++) {
    const id = `bench.t${k}.${j}`;
    const partition = partitionOf(id);
    if (rig.owner.get(partition) === nodeId && accept(partition)) return id;
  }
  return '';
}

/**
 * One takeover, once the leases settled: LOG a value of a metric owned by the node `pick` chose
 * (in a partition `accept`ed) through another node, SIGKILL the owner, poll `QUERY <id> MAX 0`
 * through that other node until it answers `200 [<value>]`; then start the killed node again on
 * its data dir. Resolves to { seconds (from the SIGKILL, NaN if it never came), problems }.
 */
async function takeover(rig, k, pick, accept) {
  const problems = [];
  const out = { seconds: NaN, problems };
  if (Number.isNaN(await rig.waitStable())) {
    problems.push('the partition leases did not settle');
    return out;
  }
  const live = rig.running();
  const victim = pick(live);
  const via = live.find((n) => n !== victim);
  const id = victim && via ? idOwnedBy(rig, victim.nodeId, k, accept) : '';
  if (!id) {
    problems.push('no node and metric to try it with');
    return out;
  }
  const value = `${k + 7}.5`;
  const client = await LineClient.open(via.srv.port);
  const r = await client.request(`LOG ${id} ${value}`, REQUEST_TIMEOUT_S);
  client.close();
  if (r.text !== INSERTED) {
    problems.push(`LOG ${id} ${value} got ${r.error || `"${r.text}"`}`);
    return out;
  }
  rig.acked(id, 1);
  log(
    `takeover: LOG ${id} (partition ${partitionOf(id)}) through ${via.nodeId}, ` +
      `SIGKILL its owner ${victim.nodeId}`,
  );
  const t0 = performance.now();
  if (!(await rig.kill(victim.index))) {
    problems.push(`${victim.nodeId} survived SIGKILL for 5 s`);
    return out;
  }
  const expected = `200 [${value}]`;
  const q = await pollUntil(
    via.srv.port,
    `QUERY ${id} MAX 0`,
    (text) => text === expected,
    t0,
    TAKEOVER_DEADLINE_S,
  );
  const others = [...q.others].map(([t, n]) => `${n}x "${t}"`).join(', ');
  if (q.error) problems.push(`no "${expected}" through ${via.nodeId}: ${q.error}`);
  else out.seconds = (q.at - t0) / 1000;
  if (others) problems.push(`replies other than 503 while waiting: ${others}`);
  log(`  ${q.error ? q.error : `${out.seconds.toFixed(2)} s`}, ${q.tries} QUERYs`);
  await rig.startNode(victim.index); // same data dir and node id
  return out;
}

/**
 * TAKEOVER_TRIALS takeovers of partitions holding (almost) nothing, killing in turn the nodes
 * that do not own INGEST_ID's partition; then one of a metric in INGEST_ID's partition, killing
 * its owner: the new owner has to apply the whole partition before it answers. Resolves to
 * { times, heavy, partitionValues, problems }.
 */
export async function takeoverTrials(rig) {
  const heavyPartition = partitionOf(INGEST_ID);
  const ownsHeavy = (n) => rig.owner.get(heavyPartition) === n.nodeId;
  const times = [];
  const problems = [];
  for (let k = 0; k < TAKEOVER_TRIALS; k++) {
    const light = (live) => {
      const others = live.filter((n) => !ownsHeavy(n));
      return others[k % others.length];
    };
    const t = await takeover(rig, k, light, (p) => p !== heavyPartition);
    if (!Number.isNaN(t.seconds)) times.push(t.seconds);
    problems.push(...t.problems.map((p) => `trial ${k + 1}: ${p}`));
  }
  const partitionValues = rig.expected.get(INGEST_ID) ?? 0;
  const heavy = await takeover(
    rig,
    TAKEOVER_TRIALS,
    (live) => live.find(ownsHeavy),
    (p) => p === heavyPartition,
  );
  await rig.waitStable();
  return { times, heavy, partitionValues, problems };
}

/**
 * Tops the stream up to CATCHUP_MIN_VALUES values of INGEST_ID, stops every node (SIGTERM),
 * waits a lease and a second (their heartbeats expire), starts one node alone on an empty data
 * dir and waits until every partition holding a value the benchmark wrote is applied there (a
 * barrier QUERY per metric), then checks each metric's COUNT. Resolves to the figures.
 */
export async function catchUp(bench, rig) {
  const have = rig.expected.get(INGEST_ID) ?? 0;
  if (have < CATCHUP_MIN_VALUES) {
    const n = CATCHUP_MIN_VALUES - have;
    const entry = rig.running()[0];
    log(`catch-up: topping ${INGEST_ID} up with ${fmtInt(n)} values through ${entry.nodeId}`);
    await clusterLoad(bench, rig, [entry.srv], { total: n, timeLimit: CATCHUP_TOPUP_LIMIT_S });
  }
  const stream = await rig.streamState();
  const values = [...rig.expected.values()].reduce((a, b) => a + b, 0);
  log(
    `catch-up: stopping the nodes; ${fmtInt(values)} values in ${fmtInt(stream.messages)} messages`,
  );
  const forced = await rig.stopNodes();
  // A stopped node's heartbeat key lives one lease in the nodes bucket; the new node would count
  // it as live and leave its preferred partitions for a lease: that wait is not catch-up.
  await sleep((LEASE_S + 1) * 1000);
  let firstApplying = NaN;
  rig.onNodeLine = (nodeId, line) => {
    if (nodeId === CATCHUP_NODE && Number.isNaN(firstApplying) && APPLYING.test(line))
      firstApplying = performance.now();
  };
  const srv = await rig.startNode(rig.nodes.length, { fresh: true, nodeId: CATCHUP_NODE });
  const within = catchUpDeadlineS(values);
  const poll = (command) =>
    pollUntil(srv.port, command, (t) => t.startsWith('200 '), srv.spawnedAt, within);
  log(
    `catch-up: ${CATCHUP_NODE} listening after ${((srv.readyAt - srv.spawnedAt) / 1000).toFixed(2)} s`,
  );
  const ids = [...rig.expected.keys()];
  const barriers = await Promise.all(ids.map((id) => poll(barrier(id))));
  const done = Math.max(...barriers.map((b) => b.at));
  const problems = barriers.flatMap((b, i) => (b.error ? [`${barrier(ids[i])}: ${b.error}`] : []));
  const counts = [];
  for (const id of problems.length ? [] : ids) {
    const c = await poll(`QUERY ${id} COUNT 86400`);
    counts.push({ id, sum: countSum(c.text), expected: rig.expected.get(id) });
  }
  const wrong = counts.filter((c) => c.sum !== c.expected);
  for (const c of wrong)
    problems.push(`QUERY ${c.id} COUNT 86400 adds up to ${c.sum}, ${c.expected} acknowledged`);
  return {
    values,
    messages: stream.messages,
    bytes: stream.bytes,
    spawnToDoneS: (done - srv.spawnedAt) / 1000,
    spawnToReadyS: (srv.readyAt - srv.spawnedAt) / 1000,
    applyingToDoneS: (done - firstApplying) / 1000,
    countsRight: problems.length === 0,
    problems,
    forced,
  };
}
