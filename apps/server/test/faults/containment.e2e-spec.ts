/**
 * Nothing is created, read or written outside the data directory, whatever the ids: the server
 * runs with its working directory in a fresh temporary tree and a relative data directory next to
 * it; hostile and odd ids go through LOG, QUERY and NEW-ALERT, a graceful restart (blocks) and a
 * crash (WAL); the tree outside the data directory is unchanged, the data directory holds only
 * the documented file names, and the server never holds a file open elsewhere.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LineClient } from '../support/line-client';
import { REPLY } from '../support/replies';
import { DATA_DIR_ENTRY, listTree } from './file-tree';
import { BAD_IDS, ODD_IDS } from './hostile-ids';
import { openDescriptors } from './proc-probe';
import { ServerInDir } from './server-in-dir';

/** Long enough for the 10 KB id to reach the id check. */
const ENV = { PULSE_MAX_LINE_BYTES: '16384' };

describe('containment in the data directory', () => {
  let root = '';

  afterEach(async () => {
    LineClient.destroyAll();
    await ServerInDir.killAll();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Every absolute path the server holds open is a device or inside the data directory. */
  function filesOpenOutside(server: ServerInDir, dataDir: string): string[] {
    return openDescriptors(server.pid)
      .filter((target) => target.startsWith('/'))
      .filter((target) => !target.startsWith('/dev/') && !target.startsWith(`${dataDir}/`));
  }

  async function hostileSession(server: ServerInDir): Promise<void> {
    const client = await LineClient.connect(server.port);
    for (const [bad] of BAD_IDS) {
      expect(
        await client.pipeline([
          `LOG ${bad} 1`,
          `QUERY ${bad} COUNT 1`,
          `NEW-ALERT ${bad} MAX 60 1`,
          `QUERY ${bad} MIN 0 2022-04-26 9999-12-31`,
        ]),
      ).toEqual([REPLY.logUsage, REPLY.queryUsage, REPLY.alertUsage, REPLY.queryUsage]);
    }
    client.destroy();
  }

  async function expectOddIds(server: ServerInDir, values: number[][]): Promise<void> {
    const client = await LineClient.connect(server.port);
    const listings = await client.pipeline(ODD_IDS.map((id) => `QUERY ${id} MIN 0`));
    expect(listings).toEqual(
      values.map((list) => `200 [${list.map((v) => v.toFixed(1)).join(', ')}]\n`),
    );
    client.destroy();
  }

  it('creates nothing outside the data directory and names no file after an id', async () => {
    root = await mkdtemp(join(tmpdir(), 'pulse-faults-fs-'));
    const cwd = join(root, 'cwd');
    await mkdir(cwd);
    await writeFile(join(cwd, 'marker'), 'x');
    await writeFile(join(root, 'marker'), 'x');
    const dataDir = resolve(root, 'data');
    const before = await listTree(root);

    // A relative data directory, resolved against the server's working directory.
    let server = await ServerInDir.start(cwd, '../data', ENV);
    await hostileSession(server);
    const client = await LineClient.connect(server.port);
    expect(await client.pipeline(ODD_IDS.map((id, i) => `LOG ${id} ${i + 1}`))).toEqual(
      ODD_IDS.map(() => REPLY.inserted),
    );
    expect(await client.pipeline(ODD_IDS.map((id) => `NEW-ALERT ${id} MAX 60 1000`))).toEqual(
      ODD_IDS.map(() => REPLY.alertRegistered),
    );
    client.destroy();
    expect(filesOpenOutside(server, dataDir)).toEqual([]);
    expect((await server.stop()).code).toBe(0); // the heads go to a block

    server = await ServerInDir.start(cwd, '../data', ENV);
    await expectOddIds(
      server,
      ODD_IDS.map((_, i) => [i + 1]),
    );
    const again = await LineClient.connect(server.port);
    expect(await again.pipeline(ODD_IDS.map((id, i) => `LOG ${id} ${i + 101}`))).toEqual(
      ODD_IDS.map(() => REPLY.inserted),
    );
    again.destroy();
    await hostileSession(server);
    expect(filesOpenOutside(server, dataDir)).toEqual([]);
    await server.kill(); // these values are only in the WAL

    server = await ServerInDir.start(cwd, '../data', ENV);
    await expectOddIds(
      server,
      ODD_IDS.map((_, i) => [i + 1, i + 101]),
    );
    expect(server.output).toMatch(new RegExp(`loaded ${ODD_IDS.length} alert rules`));
    expect((await server.stop()).code).toBe(0);

    expect(await listTree(root, ['data'])).toEqual(before);
    const data = await listTree(dataDir);
    expect(data.filter((path) => !DATA_DIR_ENTRY.test(path))).toEqual([]);
    expect(data).toEqual(
      expect.arrayContaining(['wal/', 'blocks/', 'alerts/', 'alerts/rules.log']),
    );
    expect(data.filter((path) => path.endsWith('.blk')).length).toBeGreaterThan(0);
  }, 60000);
});
