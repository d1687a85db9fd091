/**
 * The deployment files stay consistent with what these tests run: the image starts the server
 * with the same command as spawn-server.ts, the compose files are valid (docker-compose config,
 * no engine needed), every PULSE_* setting they name exists, and none in ./config is one the
 * environment overrides. The netcat check script passes against the real server and fails
 * against a server that answers differently. The images themselves: npm run test:docker.
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

/** A Dockerfile's stages by name: the base each starts FROM and its instructions. */
async function stages(dockerfile: string): Promise<Map<string, { from: string; text: string }>> {
  const text = await readFile(join(root, dockerfile), 'utf8');
  const byName = new Map<string, { from: string; text: string }>();
  for (const stage of text.split(/^FROM /m).slice(1)) {
    const header = /^(\S+) AS (\S+)$/m.exec(stage);
    if (!header) throw new Error(`${dockerfile}: a stage without a name`);
    byName.set(header[2], { from: header[1], text: stage });
  }
  return byName;
}

/** The value of an exec-form instruction (CMD, ENTRYPOINT) in a stage. */
function execForm(stageText: string, instruction: string): string[] {
  const match = new RegExp(`^${instruction} (\\[.*\\])$`, 'm').exec(stageText);
  if (!match) throw new Error(`no exec-form ${instruction}`);
  return JSON.parse(match[1]) as string[];
}

/** NAME=value pairs of a stage's ENV lines. */
function envNames(stageText: string): string[] {
  return [...stageText.matchAll(/^ENV (.*)$/gm)].flatMap((line) =>
    [...line[1].matchAll(/(\w+)=/g)].map((pair) => pair[1]),
  );
}

async function readYaml<T>(file: string): Promise<T> {
  return parseYaml(await readFile(join(root, file), 'utf8')) as T;
}

describe('deployment files', () => {
  afterAll(async () => {
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it('ships both runtime targets from one runtime stage that starts pulse-server', async () => {
    const server = await stages('docker/server.Dockerfile');
    const client = await stages('docker/client.Dockerfile');
    for (const file of [server, client]) {
      expect(file.get('production')?.from).toBe('runtime');
      expect(file.get('runtime-from-host')?.from).toBe('runtime');
      // The default target (the last stage) is the production one.
      expect([...file.keys()].pop()).toBe('production');
    }
    expect(execForm(server.get('runtime')!.text, 'CMD')).toEqual(['pulse-server']);
    expect(execForm(client.get('runtime')!.text, 'ENTRYPOINT')).toEqual(['pulse-client']);
    expect(server.get('dev')?.from).toBe('dev-base');
    expect(server.get('dev-from-host')?.from).toBe('dev-base');
  });

  it('runs one maintained Node version in both images (the one the local base script builds)', async () => {
    const declared = async (file: string) =>
      /^ARG NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(await readFile(join(root, file), 'utf8'))?.[1];
    const major = await declared('docker/server.Dockerfile');
    expect(Number(major)).toBeGreaterThanOrEqual(24);
    expect(await declared('docker/client.Dockerfile')).toBe(major);
  });

  it('starts pulse-server with the node options and entry point of the e2e tests', async () => {
    const bin = await readFile(join(root, 'bin/pulse-server.js'), 'utf8');
    expect(bin.split('\n')[0]).toBe(`#!/usr/bin/env -S node ${SERVER_NODE_ARGS.join(' ')}`);
    expect(bin).toContain(`require('../${relative(root, SERVER_ENTRY)}')`);
    const pkg = await readYaml<{ bin: Record<string, string>; scripts: Record<string, string> }>(
      'package.json',
    );
    expect(pkg.bin).toEqual({
      'pulse-server': 'bin/pulse-server.js',
      'pulse-client': 'bin/pulse-client.js',
      'pulse-healthcheck': 'bin/pulse-healthcheck.js',
    });
    expect(pkg.scripts['start:server']).toBe('bin/pulse-server.js');
  });

  it.each([
    [['docker-compose.yml']],
    [['docker-compose.yml', 'docker-compose.publish.yml']],
    [['docker-compose.yml', 'docker-compose.dev.yml']],
    [['docker-compose.yml', 'docker-compose.monitoring.yml']],
  ])('validates %j with docker-compose config', async (files) => {
    const args = files.flatMap((f) => ['-f', f]).concat(['config', '-q']);
    await expect(run('docker-compose', args, { cwd: root })).resolves.toBeDefined();
  });

  it('names only settings the server knows, in compose, the image and config/server.yaml', async () => {
    const compose = await readYaml<{
      services: { server: { environment: Record<string, string> } };
    }>('docker-compose.yml');
    const runtime = (await stages('docker/server.Dockerfile')).get('runtime')!.text;
    const fileSettings = await readYaml<object>('config/server.yaml');
    const fromEnvironment = [
      ...Object.keys(compose.services.server.environment),
      ...envNames(runtime),
    ];
    const known = new Set<string>([...SETTING_NAMES, 'PULSE_CONFIG', 'NODE_ENV']);
    expect(
      [...fromEnvironment, ...Object.keys(fileSettings)].filter((name) => !known.has(name)),
    ).toEqual([]);
    // The environment wins over the file: a key in both would be edited to no effect.
    expect(Object.keys(fileSettings).filter((name) => fromEnvironment.includes(name))).toEqual([]);
  });

  it('sets nothing in config/client.yaml that the compose environment overrides', async () => {
    const compose = await readYaml<{
      services: { client: { environment: Record<string, string> } };
    }>('docker-compose.yml');
    const fileSettings = await readYaml<object>('config/client.yaml');
    const fromEnvironment = Object.keys(compose.services.client.environment);
    expect(Object.keys(fileSettings).filter((name) => fromEnvironment.includes(name))).toEqual([]);
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
