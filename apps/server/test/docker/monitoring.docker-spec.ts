/**
 * docker-compose.monitoring.yml as users run it (make monitoring-up): the server on the runtime
 * image scripts/test-docker.sh built, beside Prometheus and Alertmanager (the images
 * scripts/docker-local-base.sh made, or pulled ones), reached on the loopback ports the overlay
 * publishes. The configuration is a copy of ./config with the two periods the tests cannot wait
 * for: alert checks and scrapes every second. The clients are busybox netcat on the stack's
 * network: the load clients are stack.docker-spec.ts's subject, and without them nothing waits
 * for the server's first health check (5 s) before the tests start.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SETTING_NAMES } from '../../src/config/pulse-environment';
import type { ReceivedAlert } from '../support/alertmanager';
import { REPLY } from '../support/replies';
import { sleep } from '../support/timing';
import { ComposeStack, fromTestDocker, run } from './support/compose-stack';

const context = fromTestDocker('PULSE_DOCKER_RUNTIME_CONTEXT');
const configDir = join(context, 'config-monitoring-test');
const stack = ComposeStack.monitoring({ PULSE_CONFIG_DIR: configDir });
const nonce = `${process.pid}.${Date.now()}`;

/** One series of a Prometheus instant query's answer. */
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Reads until `done` holds or `timeoutMs` passes; the last value read, for the assertion. */
async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(250);
  }
}

/** `text` with `from` replaced by `to`, which must occur in it (the shipped file changed?). */
function replaced(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`expected ${JSON.stringify(from)} in:\n${text}`);
  return text.split(from).join(to);
}

/** ./config copied, with the test's periods; mounted in place of ./config (PULSE_CONFIG_DIR). */
async function writeTestConfig(): Promise<void> {
  await cp(join(context, 'config'), configDir, { recursive: true });
  const edit = async (file: string, change: (text: string) => string) =>
    writeFile(join(configDir, file), change(await readFile(join(configDir, file), 'utf8')));
  await edit('server.yaml', (text) => `${text}PULSE_ALERT_PERIOD_SECONDS: 1\n`);
  await edit('prometheus.yml', (text) =>
    replaced(
      replaced(text, 'scrape_interval: 15s', 'scrape_interval: 1s'),
      'evaluation_interval: 15s',
      'evaluation_interval: 1s',
    ),
  );
}

/** `http://127.0.0.1:<port>`: where compose published the service's port. */
async function publishedUrl(service: string, port: number): Promise<string> {
  const address = (await stack.compose('port', service, String(port))).stdout.trim();
  expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  return `http://${address}`;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Waits until GET `url` answers 200 (the service started and is ready). */
async function waitReady(url: string): Promise<void> {
  const status = await poll(
    () => fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, String),
    (answer) => answer === 200,
    60_000,
  );
  expect(`${url}: ${status}`).toBe(`${url}: 200`);
}

/**
 * A client on the stack's network sending `LOG <id> <value>` every 200 ms until stopped (a
 * busybox loop into netcat), so that a rule over the value fires at every check. Labelled with
 * the project, so that scripts/test-docker.sh removes it with the stack's leftovers.
 */
async function keepLogging(id: string, value: number): Promise<{ stop: () => Promise<void> }> {
  const name = `${stack.project}-logger-${process.pid}`;
  const started = await run('docker', [
    'run',
    '-d',
    '--rm',
    '--name',
    name,
    '--label',
    `com.docker.compose.project=${stack.project}`,
    '--network',
    stack.network,
    'busybox:1.35',
    'sh',
    '-c',
    `while :; do echo 'LOG ${id} ${value}'; sleep 0.2; done | nc server 7070 >/dev/null`,
  ]);
  if (started.code !== 0) throw new Error(`docker run ${name}: ${started.stderr}`);
  return { stop: async () => void (await run('docker', ['rm', '-f', name])) };
}

describe('the monitoring overlay (docker-compose.monitoring.yml)', () => {
  let prometheus: string;
  let alertmanager: string;

  /** Prometheus's instant query API. */
  async function query(promql: string): Promise<Sample[]> {
    const body = await getJson<{ data: { result: Sample[] } }>(
      `${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    return body.data.result;
  }

  /** The value of the first series `promql` selects (NaN: none yet). */
  async function scalar(promql: string): Promise<number> {
    const [first] = await query(promql);
    return first ? Number(first.value[1]) : NaN;
  }

  beforeAll(async () => {
    await writeTestConfig();
    await stack.compose('up', '-d', '--no-build', 'server', 'prometheus', 'alertmanager');
    prometheus = await publishedUrl('prometheus', 9090);
    alertmanager = await publishedUrl('alertmanager', 9093);
    await waitReady(`${prometheus}/-/ready`);
    await waitReady(`${alertmanager}/-/ready`);
    // The server's protocol port (opened after its HTTP port): a QUERY answered, 404 or 200.
    const answer = await poll(
      () => stack.netcat('server', [`QUERY docker.monitoring.ready COUNT 0`]),
      (reply) => /^(404|200) /.test(reply),
      60_000,
    );
    expect(answer).toMatch(/^(404|200) /);
  }, 150_000);

  afterAll(async () => {
    await stack.compose('down', '-v');
  }, 60_000);

  it('sets in the server only settings it knows, and none that ./config/server.yaml sets', async () => {
    const overlay = parseYaml(
      await readFile(join(context, 'docker-compose.monitoring.yml'), 'utf8'),
    ) as { services: { server: { environment: Record<string, string> } } };
    const shipped = parseYaml(
      await readFile(join(context, 'config/server.yaml'), 'utf8'),
    ) as object;
    const names = Object.keys(overlay.services.server.environment);
    expect(names).toEqual(['PULSE_ALERTMANAGER_URLS']);
    expect(names.filter((name) => !(SETTING_NAMES as readonly string[]).includes(name))).toEqual(
      [],
    );
    expect(Object.keys(shipped).filter((name) => names.includes(name))).toEqual([]);
  });

  it('runs Prometheus and Alertmanager as nobody, hardened, with their data on volumes and the shipped configs valid', async () => {
    for (const [service, volume, destination] of [
      ['prometheus', 'prometheus-data', '/prometheus'],
      ['alertmanager', 'alertmanager-data', '/alertmanager'],
    ]) {
      const state = await stack.inspect(await stack.container(service));
      expect(state.Config.User).toBe('nobody');
      expect(state.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
      expect({
        readOnlyRoot: state.HostConfig.ReadonlyRootfs,
        capDrop: state.HostConfig.CapDrop,
        securityOpt: state.HostConfig.SecurityOpt,
      }).toEqual({
        readOnlyRoot: true,
        capDrop: ['ALL'],
        securityOpt: ['no-new-privileges:true'],
      });
      expect(state.Mounts).toContainEqual(
        expect.objectContaining({
          Type: 'volume',
          Name: `${stack.project}_${volume}`,
          Destination: destination,
        }),
      );
    }
    // The shipped files (not the test's copies), checked by each image's own tool.
    const check = async (service: string, file: string, tool: string, text: string) => {
      const result = await stack.execWithInput(
        service,
        text,
        'sh',
        '-c',
        `cat > /tmp/${file} && ${tool} /tmp/${file}`,
      );
      expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS/);
      expect(result.code).toBe(0);
    };
    const shipped = (file: string) => readFile(join(context, 'config', file), 'utf8');
    const prometheusYml = await shipped('prometheus.yml');
    await check('prometheus', 'prometheus.yml', 'promtool check config', prometheusYml);
    const alertmanagerYml = await shipped('alertmanager.yml');
    await check('alertmanager', 'alertmanager.yml', 'amtool check-config', alertmanagerYml);
    // Its example, uncommented (the indented comment lines), is a valid configuration too.
    const example = alertmanagerYml.replace(/^(\s+)# /gm, '$1');
    expect(example).toMatch(/^ {2}- name: on-call$/m);
    await check('alertmanager', 'example.yml', 'amtool check-config', example);
    // Prometheus's web UI (Debian's build reads its pages and assets from the image).
    const page = await fetch(`${prometheus}/`, { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('scrapes the server, Alertmanager and itself: up is 1 for each job', async () => {
    const up = await poll(
      () => query('up'),
      (samples) => samples.length === 3 && samples.every((s) => s.value[1] === '1'),
    );
    expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]))).toEqual({
      pulse: '1',
      alertmanager: '1',
      prometheus: '1',
    });
    expect(up.find((s) => s.metric.job === 'pulse')?.metric.instance).toBe('server:7071');
  });

  it("sees the server's acknowledged-values counter grow as a client logs", async () => {
    const acknowledged = () => scalar('pulse_values_acknowledged_total{job="pulse"}');
    const before = await poll(acknowledged, (value) => !Number.isNaN(value));
    expect(before).toBeGreaterThanOrEqual(0);
    const id = `docker.monitoring.${nonce}`;
    const lines = Array.from({ length: 20 }, (_, i) => `LOG ${id} ${i}`);
    expect(await stack.netcat('server', lines)).toBe(REPLY.inserted.repeat(20));
    const after = await poll(acknowledged, (value) => value >= before + 20);
    expect(after).toBeGreaterThanOrEqual(before + 20);
  });

  it('shows a rule that fires in Alertmanager, labelled with the rule, and counts its delivery', async () => {
    const id = `docker.monitoring.alert.${nonce}`;
    expect(await stack.netcat('server', [`LOG ${id} 1`, `NEW-ALERT ${id} MAX 60 5`])).toBe(
      REPLY.inserted + REPLY.alertRegistered,
    );
    const logger = await keepLogging(id, 100);
    const filter = encodeURIComponent(`metric="${id}"`);
    const alerts = await poll(
      () => getJson<ReceivedAlert[]>(`${alertmanager}/api/v2/alerts?filter=${filter}`),
      (found) => found.length > 0,
    ).finally(() => logger.stop());
    expect(alerts).toHaveLength(1);
    expect(alerts[0].labels).toMatchObject({
      alertname: 'PulseAlert',
      metric: id,
      op: 'MAX',
      secs: '60',
      limit: '5',
    });
    expect(alerts[0].status.state).toBe('active');
    expect(alerts[0].annotations.summary).toBe(`ALERT ${id}: MAX is over 5`);

    // The server counted the delivery, and Prometheus scraped the count.
    const delivered = await poll(
      () => scalar('sum(pulse_notifications_delivered_total{job="pulse"})'),
      (value) => value >= 1,
    );
    expect(delivered).toBeGreaterThanOrEqual(1);
  });

  it("reports the three healthy by their compose health checks (the overlay's, and /readyz)", async () => {
    for (const service of ['server', 'prometheus', 'alertmanager']) {
      expect((await stack.waitHealthy(service, 60_000)).State.Health?.Status).toBe('healthy');
    }
  });
});
