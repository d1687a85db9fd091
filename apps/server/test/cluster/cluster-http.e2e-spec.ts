/**
 * The HTTP side of a cluster, against three real nats-servers and a real Alertmanager: every
 * node is ready (/readyz) once every partition has an owner; any node answers the dashboard's
 * API for the whole cluster (metrics listed from every node, queries from each metric's owner,
 * the cluster's rules); the nodes send one alert per
 * rule (the cluster's `instance`, not a node's), the node that takes a partition over resolves
 * what its owner sent, and an owner paused past its lease (SIGSTOP) does not revive the resolved
 * alert when it resumes.
 */
import { partitionOf, preferredOwner } from '../../src/cluster/partition-of';
import { Alertmanager } from '../support/alertmanager';
import { LineClient } from '../support/line-client';
import { REPLY } from '../support/replies';
import { PulseServer, removeDataDirs } from '../support/spawn-server';
import { eventually, sleep } from '../support/timing';
import { NatsCluster } from './support/nats-cluster';
import { PulseCluster } from './support/pulse-cluster';

const unavailable = NatsCluster.unavailableReason() ?? Alertmanager.unavailableReason();
if (unavailable && process.env.CI === 'true') {
  throw new Error(`cluster notification tests cannot run under CI=true: ${unavailable}`);
}
if (unavailable) console.warn(`cluster notification tests SKIPPED: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

const PARTITIONS = 8;
const LEASE_MS = 2000;

async function request(port: number, line: string): Promise<string> {
  const client = await LineClient.connect(port);
  try {
    return await client.request(line, 15_000);
  } finally {
    client.destroy();
  }
}

/** Logs `value` for the metric through the port every 200 ms until the returned stop(). */
function trickle(port: () => number, id: string, value: () => number): () => Promise<void> {
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped && i < 600; i++) {
      await request(port(), `LOG ${id} ${value()}`).catch(() => undefined);
      await sleep(200);
    }
  })();
  return async () => {
    stopped = true;
    await done;
  };
}

describeCluster('alert notifications from a cluster (3 nats-servers, 2 Pulse nodes)', () => {
  let nats: NatsCluster;
  let cluster: PulseCluster;
  let alertmanager: Alertmanager;

  beforeAll(async () => {
    alertmanager = await Alertmanager.create();
    await alertmanager.start();
    nats = await NatsCluster.start({ size: 3 });
    cluster = await PulseCluster.start(nats.serversSetting, {
      nodes: 2,
      env: {
        PULSE_CLUSTER_PARTITIONS: String(PARTITIONS),
        PULSE_CLUSTER_LEASE_SECONDS: String(LEASE_MS / 1000),
        PULSE_ALERT_PERIOD_SECONDS: '1',
        PULSE_ALERT_RESEND_SECONDS: '1',
        PULSE_ALERTMANAGER_URLS: alertmanager.url,
      },
    });
    // The second node takes its share in its first ticks: wait until each partition is with the
    // node the rendezvous prefers (a listing during a hand-over misses what is changing hands).
    const nodeIds = cluster.running.map((i) => cluster.nodeId(i));
    const settled = () =>
      Array.from({ length: PARTITIONS }, (_, p) => p).every(
        (p) => cluster.nodeId(cluster.ownerOf(p) ?? -1) === preferredOwner(p, nodeIds),
      );
    if (!(await eventually(settled, 15_000, 100)))
      throw new Error(`partitions not with their preferred owners:\n${cluster.tails()}`);
  }, 120_000);

  afterAll(async () => {
    LineClient.destroyAll();
    await cluster?.stop().catch(() => undefined);
    await PulseServer.killAll();
    await NatsCluster.stopAll();
    await alertmanager?.remove();
    await removeDataDirs();
  }, 90_000);

  it('every node is ready once every partition has an owner', async () => {
    // A node that just handed a partition over learns its new owner at its next lease tick.
    for (const index of cluster.running) {
      const readyz = `http://127.0.0.1:${cluster.nodes[index]!.httpPort}/readyz`;
      let last = '';
      const ready = await eventually(
        async () => {
          const response = await fetch(readyz);
          last = `${response.status} ${await response.text()}`;
          return last === '200 ready\n';
        },
        LEASE_MS * 2,
        100,
      );
      expect([ready, last]).toEqual([true, '200 ready\n']);
    }
  });

  it("answers the dashboard's API from any node for the whole cluster", async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `api.m${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries()) {
      expect(await request(cluster.port(i % 2), `LOG ${id} ${i}`)).toBe(REPLY.inserted);
    }
    expect(await request(cluster.port(0), `NEW-ALERT api.m07 MAX 60 100`)).toBe(
      REPLY.alertRegistered,
    );
    for (const index of cluster.running) {
      const base = `http://127.0.0.1:${cluster.nodes[index]!.httpPort}`;
      // Pages of 15 from this node: every metric once, though each node holds only its share.
      const seen: string[] = [];
      let cursor = '';
      for (let pages = 0; pages < 5; pages++) {
        const page = (await (
          await fetch(`${base}/api/metrics?search=api.m&limit=15&cursor=${cursor}`)
        ).json()) as {
          metrics: { id: string; lastValue: number }[];
          total: number;
          nextCursor: string | null;
        };
        expect(page.total).toBe(40);
        seen.push(...page.metrics.map((m) => m.id));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(ids);
      // A query for a metric of the other node's partitions: forwarded to its owner.
      for (const id of ['api.m03', 'api.m04']) {
        const query = (await (await fetch(`${base}/api/query?id=${id}&op=MAX&secs=0`)).json()) as {
          values: number[];
          times: number[];
        };
        expect(query.values).toEqual([Number(id.slice(-2))]);
        expect(query.times).toHaveLength(1);
      }
      const rules = (await (await fetch(`${base}/api/alerts`)).json()) as {
        rules: { rule: string }[];
      };
      expect(rules.rules.map((r) => r.rule)).toContain('api.m07 MAX 60 100');
    }
  }, 60_000);

  it('deletes a metric through any node, for every node, and for a node rebuilt from the stream', async () => {
    const id = 'api.deleted';
    for (const value of [1, 2, 3]) {
      expect(await request(cluster.port(0), `LOG ${id} ${value}`)).toBe(REPLY.inserted);
    }
    const owner = cluster.ownerOf(partitionOf(id, PARTITIONS));
    expect(owner).toBeDefined();
    const other = owner === 0 ? 1 : 0;
    // Through the node that does not own it: forwarded to the owner.
    const response = await fetch(
      `http://127.0.0.1:${cluster.nodes[other]!.httpPort}/api/metrics/${id}`,
      { method: 'DELETE' },
    );
    expect(response.status).toBe(204);
    for (const index of cluster.running) {
      expect(await request(cluster.port(index), `QUERY ${id} MAX 0`)).toBe(REPLY.notFound);
    }
    expect(await request(cluster.port(other), `LOG ${id} 7`)).toBe(REPLY.inserted);
    // The owner rebuilt from the stream (which still holds 1, 2, 3): the mark hides them.
    await cluster.restart(owner!, true);
    expect(
      await eventually(
        async () => (await request(cluster.port(other), `QUERY ${id} MAX 0`)) === '200 [7.0]\n',
        20_000,
        250,
      ),
    ).toBe(true);
    expect(await request(cluster.port(owner!), `QUERY ${id} MAX 0`)).toBe('200 [7.0]\n');
  }, 90_000);

  const alertsFor = async (id: string) =>
    (await alertmanager.alerts()).filter((alert) => alert.labels.metric === id);

  it('one alert per rule across a takeover; a resumed old owner does not revive it', async () => {
    const id = `cluster-am.${process.pid}`;
    expect(await request(cluster.port(0), `LOG ${id} 1`)).toBe(REPLY.inserted);
    expect(await request(cluster.port(0), `NEW-ALERT ${id} MAX 1 5`)).toBe(REPLY.alertRegistered);
    const partition = partitionOf(id, PARTITIONS);
    let value = 100;
    let via = 0; // the node the values go through: the one that is not paused
    const stopTrickle = trickle(
      () => cluster.port(via),
      id,
      () => value,
    );
    // The owner once the second node has taken its share: the node that checks the rule.
    const firedBy = () =>
      cluster.running.filter((i) => (cluster.nodes[i]?.output ?? '').includes(`ALERT ${id}:`));
    expect(await eventually(() => firedBy().length > 0, 30_000, 100)).toBe(true);
    const owner = firedBy()[0];
    expect(cluster.ownerOf(partition)).toBe(owner);
    // Its /metrics count the cluster's rules and its own firing checks (the local AlertMonitor,
    // idle in cluster mode, has neither).
    const sample = async (name: string): Promise<number> => {
      const url = `http://127.0.0.1:${cluster.nodes[owner]!.httpPort}/metrics`;
      const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(url)).text());
      return match ? Number(match[1]) : NaN;
    };
    expect(await sample('pulse_alert_rules')).toBeGreaterThanOrEqual(1);
    expect(
      await eventually(async () => (await sample('pulse_alert_rules_firing')) >= 1, 10_000),
    ).toBe(true);
    const other = owner === 0 ? 1 : 0;
    via = other;
    const pid = cluster.nodes[owner]!.pid!;
    let paused = false;
    try {
      const first = await alertmanager.until({ metric: id }, () => true, 30_000);
      expect(first?.labels.instance).toBe('pulse-test'); // the NATS cluster's name, on every node
      await sleep(2000); // the owner's checks and re-sends: it keeps the alert active

      process.kill(pid, 'SIGSTOP');
      paused = true;
      // The other node takes the partition over and sends the same alert (same labels).
      expect(await eventually(() => cluster.saysItOwns(other, partition), 15_000)).toBe(true);
      await sleep(3000);
      expect(await alertsFor(id)).toHaveLength(1);

      value = 0; // no longer over the limit: the new owner resolves it
      expect(await eventually(async () => (await alertsFor(id)).length === 0, 20_000, 250)).toBe(
        true,
      );

      process.kill(pid, 'SIGCONT');
      paused = false;
      // Several re-send periods of the resumed node: it sent the alert as firing before its
      // pause, and must not send it again now that another node resolved it.
      await sleep(5000);
      expect(await alertsFor(id)).toHaveLength(0);
    } finally {
      if (paused) process.kill(pid, 'SIGCONT');
      await stopTrickle();
    }
  }, 120_000);

  it('stays ready on every node while a node joins and partitions move to it', async () => {
    const before = [...cluster.running];
    const answers: string[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        for (const index of before) {
          const response = await fetch(
            `http://127.0.0.1:${cluster.nodes[index]!.httpPort}/readyz`,
          ).catch((error: Error) => ({ status: 0, text: () => error.message }));
          answers.push(`node ${index}: ${response.status} ${await response.text()}`.trim());
        }
        await sleep(50);
      }
    })();
    try {
      const joined = await cluster.add();
      const nodeIds = cluster.running.map((i) => cluster.nodeId(i));
      const moved = Array.from({ length: PARTITIONS }, (_, p) => p).filter(
        (p) => preferredOwner(p, nodeIds) === cluster.nodeId(joined),
      );
      expect(moved.length).toBeGreaterThan(0);
      expect(
        await eventually(() => moved.every((p) => cluster.saysItOwns(joined, p)), 15_000, 100),
      ).toBe(true);
      await sleep(2 * LEASE_MS); // the old owners' next ticks, which read the new owner
    } finally {
      polling = false;
      await poll;
      await cluster.nodes[cluster.nodes.length - 1]?.stop(20_000);
    }
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((answer) => !answer.endsWith('200 ready'))).toEqual([]);
  }, 60_000);
});
