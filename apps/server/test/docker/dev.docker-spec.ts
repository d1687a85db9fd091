/**
 * The dev target as `make dev` runs it (docker-compose.yml + docker-compose.dev.yml): the Nest
 * CLI's `nest start --watch` on the sources mounted from the build context, which
 * scripts/test-docker.sh made a copy of the project, so the edit below never touches the checkout.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ComposeStack } from './support/compose-stack';

const dev = ComposeStack.dev();
const READY = /listening on 0\.0\.0\.0:7070/;

describe('the dev target (docker-compose.dev.yml, nest start --watch)', () => {
  beforeAll(async () => {
    await dev.compose('up', '-d', '--no-build', 'server');
    await dev.waitForLog('server', READY, 120_000);
  }, 150_000);

  afterAll(async () => {
    await dev.compose('down', '-v');
  }, 60_000);

  it('runs as node with its data on a volume of its own, so the production image can use its volume', async () => {
    const server = await dev.waitHealthy('server');
    expect(server.Config.User).toBe('node');
    expect(server.Config.Cmd).toEqual(
      expect.arrayContaining(['start', 'server', '--watch', '--no-shell']),
    );
    expect(server.Mounts).toContainEqual(
      expect.objectContaining({
        Type: 'volume',
        Name: `${dev.project}_pulse-dev-data`,
        Destination: '/data',
      }),
    );
    expect(server.Mounts.map((mount) => mount.Name)).not.toContain(`${dev.project}_pulse-data`);
    // What the dev server wrote is owned by node (uid 1000), as the production server's files are.
    const owners = await dev.shell('server', 'stat -c %u /data $(find /data -mindepth 1)');
    expect(owners.code).toBe(0);
    const uids = new Set(owners.stdout.split('\n').filter(Boolean));
    expect([...uids]).toEqual(['1000']);
  });

  it('serves the dashboard at / (built into the dev image; the watch build keeps it)', async () => {
    const page = await dev.shell(
      'server',
      'node -e "fetch(\'http://127.0.0.1:7071/\').then(async r => console.log(r.status, await r.text()))"',
    );
    expect(page.stdout).toMatch(/^200 <!doctype html>[\s\S]*<title>Pulse/i);
  });

  it('restarts the server with the new code when a source file changes', async () => {
    const marker = `dev-edit-${process.pid}-${Date.now()}`;
    await appendFile(
      join(dev.context, 'apps/server/src/main.ts'),
      `\n// Appended by dev.docker-spec.ts.\nconsole.log('${marker}');\n`,
    );
    // The new code ran (its line is logged), then the server listened again.
    await dev.waitForLog('server', new RegExp(`${marker}[\\s\\S]*${READY.source}`), 120_000);
    await dev.waitHealthy('server');
  }, 150_000);

  it('stops with exit code 0 after the server ran its shutdown hooks (SIGTERM forwarded by the CLI)', async () => {
    await dev.compose('stop', 'server');
    const server = await dev.inspect(await dev.container('server'));
    expect(server.State).toMatchObject({ Status: 'exited', ExitCode: 0 });
    expect(await dev.logs('server')).toMatch(/closed storage in \/data/);
  }, 60_000);
});
