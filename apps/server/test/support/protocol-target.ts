import { NatsCluster } from '../cluster/support/nats-cluster';
import { PulseCluster } from '../cluster/support/pulse-cluster';
import { freshDataDir, PulseServer } from './spawn-server';

/** What the protocol suite needs of its server. */
export interface ProtocolTarget {
  readonly port: number;
  tail(): string;
  stop(): Promise<unknown>;
}

/**
 * The server the protocol suite talks to:
 * - by default, the built server spawned on a fresh data directory;
 * - with PULSE_E2E_EXTERNAL_PORT (npm run test:docker), the server already listening on that
 *   loopback port (the container), which the suite neither starts nor stops;
 * - with PULSE_E2E_CLUSTER_NODE=<0|1|2> (npm run test:cluster), node <n> of three Pulse nodes in
 *   cluster mode on a three-server NATS JetStream cluster that the suite starts and stops.
 */
export async function startProtocolTarget(): Promise<ProtocolTarget> {
  const external = process.env.PULSE_E2E_EXTERNAL_PORT;
  if (external) {
    return {
      port: Number(external),
      tail: () => `--- external server on 127.0.0.1:${external}: see its own logs ---`,
      stop: async () => undefined,
    };
  }
  const clusterNode = process.env.PULSE_E2E_CLUSTER_NODE;
  if (clusterNode) return startClusterTarget(Number(clusterNode));
  return PulseServer.start({ dataDir: await freshDataDir() });
}

async function startClusterTarget(node: number): Promise<ProtocolTarget> {
  const nats = await NatsCluster.start({ size: 3 });
  const pulse = await PulseCluster.start(nats.serversSetting);
  return {
    port: pulse.port(node),
    tail: () => pulse.tails(),
    stop: async () => {
      await pulse.stop();
      await nats.stop();
    },
  };
}
