/**
 * openClusterResources against real nats-servers: the streams keep messages for
 * PULSE_RETENTION, a changed retention is applied at the next start, and a node with another
 * partition count is refused before it changes anything.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ClusterConfig } from '../../src/config/server-config';
import {
  ClusterSetupError,
  openClusterResources,
  VALUES_STREAM,
} from '../../src/cluster/cluster-resources';
import { NatsCluster } from './support/nats-cluster';

const unavailable = NatsCluster.unavailableReason();
const skip = unavailable !== undefined && process.env.CI !== 'true';
if (skip) console.warn(`cluster resource tests skipped: ${unavailable}`);
const describeWithNats = skip ? describe.skip : describe;

const HOUR = 3_600_000;

describeWithNats('cluster resources (3 nats-servers)', () => {
  let nats: NatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await NatsCluster.start();
    nc = await connect({ servers: nats.serversSetting });
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await NatsCluster.stopAll();
  }, 60_000);

  const config = (retentionMs: number, partitions = 8): ClusterConfig => ({
    servers: nats.urls,
    nodeId: 'resources',
    partitions,
    replicas: 1,
    leaseMs: 5000,
    retentionMs,
    security: {},
  });
  const maxAgeMs = async () =>
    (await (await jetstreamManager(nc)).streams.info(VALUES_STREAM)).config.max_age / 1e6;

  it('keeps stream messages for the retention, and applies a changed one at the next start', async () => {
    await openClusterResources(nc, config(24 * HOUR));
    expect(await maxAgeMs()).toBe(24 * HOUR);
    await openClusterResources(nc, config(2 * HOUR));
    expect(await maxAgeMs()).toBe(2 * HOUR);
    await openClusterResources(nc, config(0)); // PULSE_RETENTION=0 keeps everything
    expect(await maxAgeMs()).toBe(0);
  }, 30_000);

  it('refuses another partition count before changing the streams', async () => {
    await openClusterResources(nc, config(HOUR));
    await expect(openClusterResources(nc, config(5 * HOUR, 16))).rejects.toThrow(ClusterSetupError);
    expect(await maxAgeMs()).toBe(HOUR);
  }, 30_000);
});
