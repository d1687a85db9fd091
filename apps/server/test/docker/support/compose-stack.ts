import { execFile, spawn } from 'node:child_process';
import { sleep } from '../../support/timing';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What `docker inspect` says about a container (the fields the tests read). */
export interface ContainerState {
  Id: string;
  Image: string;
  RestartCount: number;
  Config: { User: string; Hostname: string; Cmd: string[] | null };
  HostConfig: {
    Init: boolean | null;
    RestartPolicy: { Name: string };
    ReadonlyRootfs?: boolean;
    CapDrop?: string[] | null;
    SecurityOpt?: string[] | null;
  };
  State: {
    Status: string;
    ExitCode: number;
    OOMKilled: boolean;
    Health?: { Status: string };
  };
  Mounts: Array<{ Type: string; Name?: string; Destination: string }>;
}

/** Runs a command to its end and returns its exit code and output (never throws on exit code). */
export function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** As run, with `input` written to the command's stdin (then closed). */
export function runWithInput(file: string, args: string[], input: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A variable scripts/test-docker.sh exports; these tests run only through it. */
export function fromTestDocker(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests with npm run test:docker`);
  return value;
}

/**
 * One compose project, driven as a user drives it: the compose command the machine has
 * (`docker compose` or `docker-compose`, chosen by scripts/test-docker.sh), run in the build
 * context the script prepared, with COMPOSE_FILE naming the shipped files plus the test overlay,
 * and `env` (variables the compose files read, such as PULSE_CONFIG_DIR) for this stack alone.
 */
export class ComposeStack {
  constructor(
    readonly context: string,
    readonly project: string,
    readonly files: string,
    readonly network: string,
    readonly env: NodeJS.ProcessEnv = {},
  ) {}

  /** The runtime stack that scripts/test-docker.sh brought up. */
  static runtime(): ComposeStack {
    return new ComposeStack(
      fromTestDocker('PULSE_DOCKER_RUNTIME_CONTEXT'),
      fromTestDocker('PULSE_TEST_PROJECT'),
      fromTestDocker('PULSE_TEST_COMPOSE_FILES'),
      fromTestDocker('PULSE_TEST_NETWORK'),
    );
  }

  /** The cluster stack (docker-compose.cluster.yml), on the runtime images already built. */
  static cluster(): ComposeStack {
    return new ComposeStack(
      fromTestDocker('PULSE_DOCKER_RUNTIME_CONTEXT'),
      fromTestDocker('PULSE_TEST_CLUSTER_PROJECT'),
      fromTestDocker('PULSE_TEST_CLUSTER_COMPOSE_FILES'),
      fromTestDocker('PULSE_TEST_CLUSTER_NETWORK'),
    );
  }

  /**
   * docker-compose.yml with docker-compose.monitoring.yml (Prometheus and Alertmanager), on the
   * runtime images already built; `env` as for the constructor.
   */
  static monitoring(env: NodeJS.ProcessEnv = {}): ComposeStack {
    return new ComposeStack(
      fromTestDocker('PULSE_DOCKER_RUNTIME_CONTEXT'),
      fromTestDocker('PULSE_TEST_MONITORING_PROJECT'),
      fromTestDocker('PULSE_TEST_MONITORING_COMPOSE_FILES'),
      fromTestDocker('PULSE_TEST_MONITORING_NETWORK'),
      env,
    );
  }

  /** Lines sent with busybox netcat from a container on the stack's network; the replies. */
  async netcat(host: string, lines: readonly string[]): Promise<string> {
    const result = await runWithInput(
      'docker',
      [
        'run',
        '--rm',
        '-i',
        '--network',
        this.network,
        'busybox:1.35',
        'nc',
        '-w',
        '2',
        host,
        '7070',
      ],
      lines.map((line) => `${line}\n`).join(''),
    );
    return result.stdout;
  }

  /** The dev stack (docker-compose.dev.yml) in its own build context. */
  static dev(): ComposeStack {
    return new ComposeStack(
      fromTestDocker('PULSE_DOCKER_DEV_CONTEXT'),
      fromTestDocker('PULSE_TEST_DEV_PROJECT'),
      fromTestDocker('PULSE_TEST_DEV_COMPOSE_FILES'),
      fromTestDocker('PULSE_TEST_DEV_NETWORK'),
    );
  }

  /** `compose ARGS...`; rejects with the output when it fails. */
  async compose(...args: string[]): Promise<CommandResult> {
    const [file, ...prefix] = fromTestDocker('PULSE_COMPOSE').split(' ');
    const result = await run(file, [...prefix, ...args], {
      cwd: this.context,
      env: {
        ...process.env,
        ...this.env,
        COMPOSE_PROJECT_NAME: this.project,
        COMPOSE_FILE: this.files,
        PULSE_NETWORK: this.network,
      },
    });
    if (result.code !== 0) {
      throw new Error(
        `compose ${args.join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`,
      );
    }
    return result;
  }

  /** Ids of the service's containers, running or not. */
  async containerIds(service: string): Promise<string[]> {
    const result = await run('docker', [
      'ps',
      '-aq',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${this.project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ]);
    return result.stdout.split('\n').filter(Boolean);
  }

  async container(service: string): Promise<string> {
    const ids = await this.containerIds(service);
    if (ids.length !== 1)
      throw new Error(`${service}: expected one container, found ${ids.length}`);
    return ids[0];
  }

  async inspect(id: string): Promise<ContainerState> {
    const result = await run('docker', ['inspect', id]);
    if (result.code !== 0) throw new Error(`docker inspect ${id}: ${result.stderr}`);
    return (JSON.parse(result.stdout) as ContainerState[])[0];
  }

  /** Everything the service's container logged, stdout and stderr, without compose's prefixes. */
  async logs(service: string): Promise<string> {
    const result = await run('docker', ['logs', await this.container(service)]);
    return result.stdout + result.stderr;
  }

  /** `docker exec` in the service's container, as the image's user. */
  async exec(service: string, ...command: string[]): Promise<CommandResult> {
    return run('docker', ['exec', await this.container(service), ...command]);
  }

  /** `docker exec -i` in the service's container with `input` on its stdin. */
  async execWithInput(
    service: string,
    input: string,
    ...command: string[]
  ): Promise<CommandResult> {
    return runWithInput('docker', ['exec', '-i', await this.container(service), ...command], input);
  }

  /** A POSIX shell script in the service's container (the image's /bin/sh), as the image's user. */
  async shell(service: string, script: string): Promise<CommandResult> {
    return this.exec(service, 'sh', '-c', script);
  }

  /** Waits until the service's health check reports healthy (the compose file's check). */
  async waitHealthy(service: string, timeoutMs = 90_000): Promise<ContainerState> {
    return this.waitFor(
      service,
      (state) => state.State.Health?.Status === 'healthy',
      'healthy',
      timeoutMs,
    );
  }

  /** Polls `docker inspect` until `done` holds; rejects with the last state and the logs. */
  async waitFor(
    service: string,
    done: (state: ContainerState) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<ContainerState> {
    const deadline = Date.now() + timeoutMs;
    let last: ContainerState | undefined;
    for (;;) {
      const ids = await this.containerIds(service);
      if (ids.length === 1) {
        last = await this.inspect(ids[0]);
        if (done(last)) return last;
      }
      if (Date.now() > deadline) {
        const logs = ids.length === 1 ? await this.logs(service) : '(no container)';
        throw new Error(
          `${service} not ${what} after ${timeoutMs} ms (state ${JSON.stringify(last?.State)})\n${logs.slice(-4000)}`,
        );
      }
      await sleep(250);
    }
  }

  /** Waits until the service's log matches `pattern` `times` times. */
  async waitForLog(
    service: string,
    pattern: RegExp,
    timeoutMs: number,
    times = 1,
  ): Promise<string> {
    const global = new RegExp(
      pattern.source,
      pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const logs = await this.logs(service);
      if ((logs.match(global)?.length ?? 0) >= times) return logs;
      if (Date.now() > deadline) {
        throw new Error(
          `${service} did not log ${pattern} ${times} times in ${timeoutMs} ms\n${logs.slice(-4000)}`,
        );
      }
      await sleep(250);
    }
  }
}
