/**
 * The deployment files stay consistent with what these tests run: the image starts the server
 * with the same command as spawn-server.ts, the compose files are valid (docker-compose config,
 * no engine needed), and every PULSE_* setting they name exists. The netcat check script passes
 * against the real server and fails against a server that answers differently.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { SETTING_NAMES } from '../src/config/pulse-environment';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  SERVER_ENTRY,
  SERVER_NODE_ARGS,
} from './support/spawn-server';

const run = promisify(execFile);
const root = process.cwd();

/** The exec-form CMD of the last stage of a Dockerfile. */
async function finalCmd(dockerfile: string): Promise<string[]> {
  const text = await readFile(join(root, dockerfile), 'utf8');
  const stages = text.split(/^FROM /m);
  const cmd = /^CMD (\[.*\])$/m.exec(stages[stages.length - 1]);
  if (!cmd) throw new Error(`${dockerfile}: no exec-form CMD in the final stage`);
  return JSON.parse(cmd[1]) as string[];
}

describe('deployment files', () => {
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it('starts the server in the image exactly as the e2e tests do', async () => {
    expect(await finalCmd('docker/server.Dockerfile')).toEqual([
      'node',
      ...SERVER_NODE_ARGS,
      relative(root, SERVER_ENTRY),
    ]);
  });

  it('starts the server from npm with the same node options', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['start:server']).toBe(
      ['node', ...SERVER_NODE_ARGS, 'dist/apps/server/main.js'].join(' '),
    );
  });

  it.each([
    [['docker-compose.yml']],
    [['docker-compose.yml', 'docker-compose.publish.yml']],
    [['docker-compose.yml', 'docker-compose.dev.yml']],
  ])('validates %j with docker-compose config', async (files) => {
    const args = files.flatMap((f) => ['-f', f]).concat(['config', '-q']);
    await expect(run('docker-compose', args, { cwd: root })).resolves.toBeDefined();
  });

  it('names only settings the server knows, in compose and in config/server.yaml', async () => {
    const compose = parseYaml(await readFile(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: { server: { environment: Record<string, string> } };
    };
    const fileSettings = parseYaml(
      await readFile(join(root, 'config/server.yaml'), 'utf8'),
    ) as object;
    const named = [
      ...Object.keys(compose.services.server.environment),
      ...Object.keys(fileSettings),
    ];
    const known = new Set<string>([...SETTING_NAMES, 'PULSE_CONFIG']);
    expect(named.filter((name) => !known.has(name))).toEqual([]);
  });
});

describe('scripts/validate-server.sh --local', () => {
  let impostor: Server | undefined;
  afterAll(async () => {
    impostor?.close();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it('passes against the running server', async () => {
    const server = await PulseServer.start({ dataDir: await freshDataDir() });
    const { stdout } = await run(
      'scripts/validate-server.sh',
      ['--local', `127.0.0.1:${server.port}`],
      {
        cwd: root,
      },
    );
    expect(stdout).toMatch(/OK/);
  });

  it('fails, saying so, against a server whose replies differ by one byte', async () => {
    impostor = createServer((socket) => {
      socket.on('data', () => undefined);
      socket.end('201 Metric Inserted\n200 [1.5] \n');
    });
    await new Promise<void>((resolve) => impostor?.listen(0, '127.0.0.1', resolve));
    const port = (impostor.address() as AddressInfo).port;
    await expect(
      run('scripts/validate-server.sh', ['--local', `127.0.0.1:${port}`], { cwd: root }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/FAILED/) });
  });
});
