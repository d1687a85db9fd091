/**
 * The NATS cluster harness against real nats-server processes: a bucket replicated three times
 * does compare-and-set; a stream replicated three times goes on acknowledging with one server
 * killed, acknowledges nothing with two killed, and resumes, with every acknowledged message
 * kept, once one of them is restarted. Skipped (saying why) where nats-server is not installed,
 * unless CI=true.
 */
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { existsSync } from 'node:fs';
import { sleep } from '../support/timing';
import { NatsCluster } from './support/nats-cluster';

/** Cluster start, leader elections and restarts take seconds each. */
const TEST_TIMEOUT_MS = 60000;
/**
 * A restart after quorum was lost waits for two elections (metadata, then the stream), each up to
 * ~16 s here when the two candidates split their votes: 45 s for restart(), then the publishes.
 */
const RESTART_TEST_TIMEOUT_MS = 90000;
/** How long a publish may keep failing, or the stream have no leader, during an election. */
const LEADER_ELECTION_MS = 30000;
const PUBLISH_TIMEOUT_MS = 2000;

const unavailable = NatsCluster.unavailableReason();
const skip = unavailable !== undefined && process.env.CI !== 'true';
if (skip) console.warn(`NATS cluster tests skipped: ${unavailable}`);
const describeWithNats = skip ? describe.skip : describe;

interface Acknowledged {
  seq: number;
  data: string;
}

describeWithNats('NatsCluster (3 nats-server processes)', () => {
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];

  /** A client of server `index` alone: it neither fails over nor reconnects. */
  async function connectTo(index: number): Promise<NatsConnection> {
    const nc = await connect({
      servers: cluster.urls[index],
      ignoreClusterUpdates: true,
      reconnect: false,
    });
    connections.push(nc);
    return nc;
  }

  beforeAll(async () => {
    cluster = await NatsCluster.start();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await NatsCluster.stopAll();
  }, TEST_TIMEOUT_MS);

  it('gives each server its own loopback URL, joined for PULSE_NATS_SERVERS', () => {
    expect(cluster.urls).toHaveLength(3);
    for (const url of cluster.urls) expect(url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(cluster.urls).size).toBe(3);
    expect(cluster.serversSetting).toBe(cluster.urls.join(','));
  });

  it(
    'lets a bucket with 3 replicas update a key at its revision only',
    async () => {
      const kv = await new Kvm(await connectTo(2)).create('pulse-test', { replicas: 3 });
      expect((await kv.status()).replicas).toBe(3);

      const created = await kv.create('lease', 'owner-a');
      await expect(kv.create('lease', 'owner-b')).rejects.toThrow();
      const updated = await kv.update('lease', 'owner-b', created);
      expect(updated).toBeGreaterThan(created);
      await expect(kv.update('lease', 'owner-c', created)).rejects.toThrow(/wrong last sequence/);
      expect((await kv.get('lease'))?.string()).toBe('owner-b');
    },
    TEST_TIMEOUT_MS,
  );

  describe('a stream with 3 replicas', () => {
    const acknowledged: Acknowledged[] = [];

    /** Publishes `data` (also its message id, so a retry cannot store it twice) until acknowledged. */
    async function publishEventually(js: JetStreamClient, subject: string, data: string) {
      const deadline = Date.now() + LEADER_ELECTION_MS;
      for (;;) {
        try {
          const ack = await js.publish(subject, data, { msgID: data, timeout: PUBLISH_TIMEOUT_MS });
          acknowledged.push({ seq: ack.seq, data });
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
        await sleep(100);
      }
    }

    /** The server leading the stream, or undefined while an election runs (no answer). */
    function streamLeader(jsm: JetStreamManager): Promise<string | undefined> {
      return jsm.streams.info('TEST').then(
        (info) => info.cluster?.leader,
        () => undefined,
      );
    }

    /**
     * Asks the stream's leader to step down until server `name` leads it, so that killing that
     * server forces an election (the request is the one `nats stream cluster step-down` sends).
     */
    async function moveLeaderTo(nc: NatsConnection, jsm: JetStreamManager, name: string) {
      const deadline = Date.now() + LEADER_ELECTION_MS;
      let leader: string | undefined;
      while (Date.now() < deadline) {
        leader = await streamLeader(jsm);
        if (leader === name) return;
        if (leader) {
          await nc
            .request('$JS.API.STREAM.LEADER.STEPDOWN.TEST', undefined, { timeout: 2000 })
            .catch(() => undefined);
        }
        await sleep(250);
      }
      throw new Error(`${name} did not come to lead TEST in ${LEADER_ELECTION_MS} ms (${leader})`);
    }

    it(
      'acknowledges 100 publishes',
      async () => {
        const nc = await connectTo(0);
        const jsm = await jetstreamManager(nc);
        const created = await jsm.streams.add({
          name: 'TEST',
          subjects: ['test.>'],
          num_replicas: 3,
        });
        expect(created.config.num_replicas).toBe(3);

        const js = jetstream(nc);
        for (let i = 0; i < 100; i += 1) {
          const data = `before-${i}`;
          const ack = await js.publish('test.before', data, { msgID: data });
          acknowledged.push({ seq: ack.seq, data });
        }
        expect(acknowledged.map(({ seq }) => seq)).toEqual(
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
        expect((await jsm.streams.info('TEST')).state.messages).toBe(100);
        await moveLeaderTo(nc, jsm, 'n0');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'goes on acknowledging through server 1 once server 0, its leader, is killed',
      async () => {
        await cluster.kill(0);
        expect(cluster.isRunning(0)).toBe(false);

        const nc = await connectTo(1);
        const js = jetstream(nc);
        for (let i = 0; i < 10; i += 1)
          await publishEventually(js, 'test.one-down', `one-down-${i}`);
        expect(acknowledged).toHaveLength(110);
        // No API check: that needs a metadata leader, which n0 may have been too.
        const jsm = await jetstreamManager(nc, { checkAPI: false });
        expect(['n1', 'n2']).toContain(await streamLeader(jsm));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'acknowledges nothing once server 1 is killed too',
      async () => {
        await cluster.kill(1);
        const js = jetstream(await connectTo(2));
        for (let i = 0; i < 3; i += 1) {
          const started = Date.now();
          const data = `two-down-${i}`;
          await expect(
            js.publish('test.two-down', data, { msgID: data, timeout: PUBLISH_TIMEOUT_MS }),
          ).rejects.toThrow();
          expect(Date.now() - started).toBeLessThan(PUBLISH_TIMEOUT_MS + 3000);
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'acknowledges again once server 0 is restarted, and has kept every acknowledged message',
      async () => {
        await cluster.restart(0);
        expect(cluster.isRunning(0)).toBe(true);

        const nc = await connectTo(2);
        const js = jetstream(nc);
        for (let i = 0; i < 10; i += 1) await publishEventually(js, 'test.back', `back-${i}`);

        const jsm = await jetstreamManager(nc, { checkAPI: false });
        const { state } = await jsm.streams.info('TEST');
        // The publishes that timed out with two servers down may have been stored since.
        expect(state.messages).toBeGreaterThanOrEqual(acknowledged.length);
        expect(state.messages).toBeLessThanOrEqual(acknowledged.length + 3);
        expect(new Set(acknowledged.map(({ seq }) => seq)).size).toBe(120);
        for (const { seq, data } of acknowledged) {
          const stored = await jsm.streams.getMessage('TEST', { seq });
          expect(stored?.string()).toBe(data);
        }
      },
      RESTART_TEST_TIMEOUT_MS,
    );
  });

  it(
    'stops every server and removes their stores',
    async () => {
      const { dir } = cluster;
      expect(existsSync(dir)).toBe(true);
      await cluster.stop();
      for (let i = 0; i < cluster.size; i += 1) expect(cluster.isRunning(i)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});
