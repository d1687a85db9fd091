/**
 * The compose stack as users run it (docker-compose.yml, the server published on loopback,
 * three load clients), built from the shipped runtime stages: scripts/test-docker.sh builds the
 * images, brings the stack up and waits for the health check before this file runs. The tests
 * run in order and share the stack: each leaves it up and healthy for the next.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineClient } from '../support/line-client';
import { parseResults, REPLY } from '../support/replies';
import { eventually } from '../support/timing';
import { ComposeStack, fromTestDocker, run } from './support/compose-stack';

const stack = ComposeStack.runtime();
const port = Number(fromTestDocker('PULSE_PUBLISH').split(':').pop());
const nonce = `${process.pid}.${Date.now()}`;

async function request(line: string): Promise<string> {
  const client = await LineClient.connect(port);
  try {
    return await client.request(line);
  } finally {
    client.destroy();
  }
}

/** QUERY <id> COUNT 0 as a number of values (404 counts as 0). */
async function countOf(id: string): Promise<number> {
  const reply = await request(`QUERY ${id} COUNT 0`);
  return reply === REPLY.notFound ? 0 : parseResults(reply).length;
}

/** LOGs 1..count to `id` over one connection; returns the replies. */
async function logSeries(id: string, count: number): Promise<string[]> {
  const client = await LineClient.connect(port);
  try {
    const lines = Array.from({ length: count }, (_, i) => `LOG ${id} ${i + 1}`);
    return await client.pipeline(lines, 15_000);
  } finally {
    client.destroy();
  }
}

/** `200 [1.0, 2.0, ...]`: what QUERY <id> MAX 0 answers after logSeries(id, count). */
const seriesReply = (count: number) =>
  `200 [${Array.from({ length: count }, (_, i) => `${i + 1}.0`).join(', ')}]\n`;

async function upAndHealthy(): Promise<void> {
  await stack.compose('up', '-d', '--no-build', '--scale', 'client=3');
  await stack.waitHealthy('server');
}

describe('the compose stack (docker-compose.yml, runtime images)', () => {
  const persisted = `docker.persisted.${nonce}`;
  const rule = `NEW-ALERT ${persisted} MAX 60 1000`;
  let savedRules = 0;

  afterEach(() => LineClient.destroyAll());

  it('runs the server as node under init, healthy, with its data on the volume and no dev dependencies', async () => {
    const server = await stack.inspect(await stack.container('server'));
    expect(server.State.Health?.Status).toBe('healthy');
    expect(server.Config.User).toBe('node');
    expect(server.HostConfig.Init).toBe(true);
    expect(server.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect({
      readOnlyRoot: server.HostConfig.ReadonlyRootfs,
      capDrop: server.HostConfig.CapDrop,
      securityOpt: server.HostConfig.SecurityOpt,
    }).toEqual({
      readOnlyRoot: true,
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges:true'],
    });
    // Read-only outside the volume and /tmp.
    const write = await stack.shell(
      'server',
      'touch /app/x 2>&1; touch /data/x /tmp/x && rm /data/x /tmp/x && echo ok',
    );
    expect(write.stdout).toMatch(/Read-only file system[\s\S]*ok/);
    expect(server.Mounts).toContainEqual(
      expect.objectContaining({
        Type: 'volume',
        Name: `${stack.project}_pulse-data`,
        Destination: '/data',
      }),
    );
    expect((await stack.exec('server', 'id', '-u')).stdout.trim()).toBe('1000');
    // The process under docker-init is node itself, running the server (SIGTERM reaches it).
    const processes = await stack.shell(
      'server',
      'for p in $(cat /proc/1/task/1/children); do tr "\\0" " " < /proc/$p/cmdline; echo; done',
    );
    expect(processes.stdout).toMatch(
      /^node --heap-growing-percent=50 \/usr\/local\/bin\/pulse-server\s*$/m,
    );
    const modules = await stack.exec('server', 'ls', '/app/node_modules');
    expect(modules.stdout).toMatch(/^@nestjs$/m);
    for (const devOnly of ['jest', 'typescript', '@rspack', 'eslint']) {
      expect(modules.stdout).not.toMatch(new RegExp(`^${devOnly}$`, 'm'));
    }
  });

  it('serves the dashboard and its API from the image', async () => {
    const fetched = await stack.exec(
      'server',
      'node',
      '-e',
      "const base='http://127.0.0.1:7071';" +
        "Promise.all([fetch(base+'/'),fetch(base+'/api/server')]).then(async([page,api])=>" +
        'console.log(JSON.stringify({page:page.status,title:/<title>Pulse</.test(await page.text()),' +
        'api:(await api.json()).timeZone})))',
    );
    expect(JSON.parse(fetched.stdout)).toEqual({ page: 200, title: true, api: 'UTC' });
  });

  it('receives the values of each of the three load clients', async () => {
    const clients = await stack.containerIds('client');
    expect(clients).toHaveLength(3);
    // Each client logs <its host name>.cpu, .mem and .latency once a second.
    const hosts = await Promise.all(
      clients.map(async (id) => (await stack.inspect(id)).Config.Hostname),
    );
    const first = await Promise.all(
      hosts.map(async (host) => {
        expect(await eventually(async () => (await countOf(`${host}.cpu`)) > 0, 20_000, 250)).toBe(
          true,
        );
        return countOf(`${host}.cpu`);
      }),
    );
    for (const [index, host] of hosts.entries()) {
      expect(
        await eventually(async () => (await countOf(`${host}.cpu`)) > first[index], 10_000, 250),
      ).toBe(true);
    }
  });

  it('passes scripts/validate-server.sh with busybox netcat on the compose network', async () => {
    const result = await run('bash', [
      join(stack.context, 'scripts/validate-server.sh'),
      '--network',
      stack.network,
    ]);
    // Both streams in the first assertion, so a failure shows what the script said.
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /^validate: OK: server:7070 answered LOG and QUERY byte for byte$/m,
    );
    expect(result.code).toBe(0);
  });

  it('stops with exit code 0 within the grace period, after draining and flushing', async () => {
    expect(await logSeries(persisted, 200)).toEqual(Array(200).fill(REPLY.inserted));
    expect(await request(rule)).toBe(REPLY.alertRegistered);

    const started = Date.now();
    await stack.compose('stop');
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(30); // stop_grace_period: compose would have sent SIGKILL

    const server = await stack.inspect(await stack.container('server'));
    expect(server.State).toMatchObject({ Status: 'exited', ExitCode: 0, OOMKilled: false });
    const logs = await stack.logs('server');
    // Shutdown hooks, in order: scheduler, rules, listener, connections, storage.
    const closing = [
      /stopped scheduling alert checks/,
      /saved \d+ alert rules and their checkpoints/,
      /closed listener on 0\.0\.0\.0:7070/,
      /answered \d+ commands in flight; closing \d+ connections/,
      /flushed \d+ values of \d+ metrics to \/data\/blocks\//,
      /closed write-ahead log in \/data\/wal/,
      /closed storage in \/data/,
    ];
    const found = closing.map((pattern) => ({
      pattern: String(pattern),
      at: logs.search(pattern),
    }));
    expect(found.filter(({ at }) => at < 0)).toEqual([]);
    expect([...found].sort((a, b) => a.at - b.at)).toEqual(found);
    savedRules = Number(/saved (\d+) alert rules/.exec(logs)![1]);
    expect(savedRules).toBeGreaterThanOrEqual(1); // the rule above, and the protocol suite's

    for (const id of await stack.containerIds('client')) {
      const client = await stack.inspect(id);
      expect(client.State.ExitCode).toBe(0);
      expect((await run('docker', ['logs', id])).stdout).toMatch(/^final sent=\d+ acked=\d+/m);
    }
  });

  it('keeps every acknowledged value and rule across down (volume kept) and up', async () => {
    await stack.compose('down');
    expect((await run('docker', ['volume', 'inspect', `${stack.project}_pulse-data`])).code).toBe(
      0,
    );
    await upAndHealthy();
    expect(await request(`QUERY ${persisted} MAX 0`)).toBe(seriesReply(200));
    const logs = await stack.logs('server');
    expect(logs).toMatch(/opened storage in \/data: \d+ metrics, 1 blocks/);
    expect(logs).toContain(`loaded ${savedRules} alert rules from /data/alerts/rules.log`);
    expect(logs).toContain(`checking ${savedRules} alert rules every 60 s`);
  });

  it('applies a changed setting in ./config after a restart, without a rebuild', async () => {
    const longLine = `LOG docker.config.${nonce}.${'x'.repeat(60)} 1`;
    expect(longLine.length).toBeGreaterThan(64);
    expect(await request(longLine)).toBe(REPLY.inserted);
    const imageBefore = (await stack.inspect(await stack.container('server'))).Image;

    const configFile = join(stack.context, 'config/server.yaml');
    const original = await readFile(configFile, 'utf8');
    await writeFile(configFile, `${original}PULSE_MAX_LINE_BYTES: 64\n`);
    try {
      await stack.compose('restart', 'server');
      const server = await stack.waitHealthy('server');
      expect(server.Image).toBe(imageBefore);
      expect(await request(longLine)).toBe(REPLY.lineTooLong);
      expect(await request(`LOG docker.config.${nonce} 1`)).toBe(REPLY.inserted);
    } finally {
      await writeFile(configFile, original);
    }
    await stack.compose('restart', 'server');
    await stack.waitHealthy('server');
    expect(await request(longLine)).toBe(REPLY.inserted);
  });

  it('brings a SIGKILLed server back by itself (restart: unless-stopped) with every acknowledged value', async () => {
    const crashed = `docker.crashed.${nonce}`;
    expect(await logSeries(crashed, 50)).toEqual(Array(50).fill(REPLY.inserted));
    const before = await stack.inspect(await stack.container('server'));

    // SIGKILL to node, the child of docker-init: no shutdown hook runs, nothing is flushed.
    const kill = await stack.shell('server', 'kill -KILL $(cat /proc/1/task/1/children)');
    expect(kill.code).toBe(0);
    const after = await stack.waitFor(
      'server',
      (state) =>
        state.RestartCount > before.RestartCount && state.State.Health?.Status === 'healthy',
      'restarted and healthy',
      90_000,
    );
    expect(after.RestartCount).toBe(before.RestartCount + 1);
    expect(await request(`QUERY ${crashed} MAX 0`)).toBe(seriesReply(50));
    expect(await request(`QUERY ${persisted} MAX 0`)).toBe(seriesReply(200));
  });
});
