/**
 * docker-compose.cluster.yml as users run it (make cluster-up): three NATS servers, three Pulse
 * nodes on the runtime image scripts/test-docker.sh built, two load clients reaching the nodes
 * through the `pulse` alias. Commands travel with busybox netcat on the stack's network.
 */
import { ComposeStack } from './support/compose-stack';
import { eventually } from '../support/timing';

const cluster = ComposeStack.cluster();
const NODES = ['pulse-1', 'pulse-2', 'pulse-3'];
const nonce = `${process.pid}.${Date.now()}`;

/** The values QUERY <id> MAX 0 returns through the node, or the whole reply if not a 200. */
async function values(node: string, id: string): Promise<string> {
  return cluster.netcat(node, [`QUERY ${id} MAX 0`]);
}

describe('the cluster stack (docker-compose.cluster.yml)', () => {
  beforeAll(async () => {
    await cluster.compose('up', '-d', '--no-build', '--scale', 'client=2');
    for (const node of NODES) await cluster.waitHealthy(node, 120_000);
  }, 180_000);

  afterAll(async () => {
    await cluster.compose('down', '-v');
  }, 60_000);

  it('runs the NATS servers and the nodes hardened: read-only root, no capabilities, no-new-privileges', async () => {
    for (const service of ['nats-1', 'nats-2', 'nats-3', ...NODES]) {
      const state = await cluster.inspect(await cluster.container(service));
      expect({
        service,
        readOnlyRoot: state.HostConfig.ReadonlyRootfs,
        capDrop: state.HostConfig.CapDrop,
        securityOpt: state.HostConfig.SecurityOpt,
      }).toEqual({
        service,
        readOnlyRoot: true,
        capDrop: ['ALL'],
        securityOpt: ['no-new-privileges:true'],
      });
    }
  });

  it('answers on every node: a LOG on one node is read on the others', async () => {
    const id = `docker.cross.${nonce}`;
    expect(await cluster.netcat('pulse-1', [`LOG ${id} 7`, `LOG ${id} 8`])).toBe(
      '201 Metric Inserted\n201 Metric Inserted\n',
    );
    for (const node of NODES) expect(await values(node, id)).toBe('200 [7.0, 8.0]\n');
  });

  it("receives the load clients' values through the `pulse` alias, readable on every node", async () => {
    const clients = await cluster.containerIds('client');
    expect(clients).toHaveLength(2);
    for (const id of clients) {
      const host = (await cluster.inspect(id)).Config.Hostname;
      for (const node of NODES) {
        const seen = await eventually(
          async () => /^200 \[\d/.test(await cluster.netcat(node, [`QUERY ${host}.cpu COUNT 0`])),
          30_000,
          500,
        );
        expect(seen).toBe(true);
      }
    }
  });

  it('brings a SIGKILLed node back (restart policy) and loses nothing acknowledged', async () => {
    const id = `docker.killed.${nonce}`;
    const lines = Array.from({ length: 20 }, (_, i) => `LOG ${id} ${i + 1}`);
    expect(await cluster.netcat('pulse-3', lines)).toBe('201 Metric Inserted\n'.repeat(20));
    const before = await cluster.inspect(await cluster.container('pulse-2'));
    const kill = await cluster.shell('pulse-2', 'kill -KILL $(cat /proc/1/task/1/children)');
    expect(kill.code).toBe(0);
    await cluster.waitFor(
      'pulse-2',
      (state) =>
        state.RestartCount > before.RestartCount && state.State.Health?.Status === 'healthy',
      'restarted and healthy',
      120_000,
    );
    const expected = `200 [${Array.from({ length: 20 }, (_, i) => `${i + 1}.0`).join(', ')}]\n`;
    for (const node of NODES) expect(await values(node, id)).toBe(expected);
  }, 180_000);

  it('stops every node with exit code 0 after it handed its partitions over', async () => {
    await cluster.compose('stop', 'client');
    await cluster.compose('stop', ...NODES);
    for (const node of NODES) {
      const state = await cluster.inspect(await cluster.container(node));
      expect(state.State).toMatchObject({ Status: 'exited', ExitCode: 0 });
      const logs = await cluster.logs(node);
      expect(logs).toMatch(/released \d+ partition leases/);
      expect(logs).toMatch(/closed the NATS connection/);
      expect(logs).toMatch(/closed storage in \/data/);
    }
  }, 120_000);
});
