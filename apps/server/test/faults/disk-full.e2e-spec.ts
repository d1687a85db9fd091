/**
 * Disk full on a small tmpfs: LOGs that cannot be stored get `500 Internal Server Error`, nothing
 * unstored is acknowledged, queries go on being served, and writes succeed again once space is
 * back (the tmpfs is grown). Needs root and permission to mount a tmpfs; skipped (saying why) otherwise.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { activeRules } from '../support/active-rules';
import { LineClient } from '../support/line-client';
import { parseResults, REPLY } from '../support/replies';
import { PulseServer, withServerOutput } from '../support/spawn-server';
import { probeTmpfs, TmpfsMount } from './tmpfs-mount';

const cannotMount = probeTmpfs();
if (cannotMount) {
  console.warn(`disk-full tests skipped: cannot mount a tmpfs here (${cannotMount})`);
}
const itWithTmpfs = cannotMount ? it.skip : it;

/** Fills the file system holding `path` with a ballast file, until it is full. */
function fillWithBallast(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // Whatever is left is smaller than a chunk: take it too, byte by byte (bounded).
  const rest = openSync(`${path}.rest`, 'w');
  try {
    for (let i = 0; i < 64 * 1024; i += 1) writeSync(rest, Buffer.alloc(1, 1));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(rest);
  }
}

describe('disk full', () => {
  let mount: TmpfsMount | undefined;
  let server: PulseServer | undefined;
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    withServerOutput(() => [server], fn);

  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    mount?.unmount();
  });

  itWithTmpfs(
    'answers 500 to what it cannot store, acknowledges only what it stored, serves queries, recovers when space is back',
    logged(async () => {
      mount = TmpfsMount.mount(4096);
      const dataDir = join(mount.path, 'data');
      const ballast = join(mount.path, 'ballast');
      const env = { PULSE_FLUSH_VALUES: '1000', PULSE_DURABILITY: 'fsync' };
      server = await PulseServer.start({ dataDir, env });
      const client = await LineClient.connect(server.port);
      const acked: number[] = [];
      let failed = 0;
      let next = 0;

      /**
       * One pipelined batch of LOGs; every reply must be 201 or 500. Full-precision values:
       * blocks are compressed, and a counter would take the disk a hundred times longer to fill.
       */
      async function logBatch(size: number): Promise<number> {
        const values = Array.from({ length: size }, () => (next += 1) + Math.random());
        const replies = await client.pipeline(
          values.map((v) => `LOG full ${v}`),
          10000,
        );
        let errors = 0;
        replies.forEach((reply, i) => {
          if (reply === REPLY.inserted) acked.push(values[i]);
          else {
            expect(reply).toBe(REPLY.internalError);
            errors += 1;
          }
        });
        failed += errors;
        return errors;
      }

      // Fill the disk through the server (WAL and blocks) until it answers 500.
      for (let batch = 0; batch < 4000 && failed === 0; batch += 1) await logBatch(500);
      expect(failed).toBeGreaterThan(0);
      // Take all the space that is left. The current WAL segment may still hold space it had
      // reserved (zero-filled ahead of the writes): LOGs are rightly acknowledged while they fit
      // there. Use it up, take what the server gives back when it cuts a failed record's tail,
      // and from then on every LOG must be refused.
      fillWithBallast(ballast);
      for (let batch = 0; batch < 1000 && (await logBatch(500)) === 0; batch += 1);
      fillWithBallast(`${ballast}.2`);
      let refusedWhole = false;
      for (let batch = 0; batch < 20 && !refusedWhole; batch += 1) {
        refusedWhole = (await logBatch(50)) === 50; // a record may still fit a block's last bytes
      }
      expect(refusedWhole).toBe(true);
      expect(await client.request('QUERY full COUNT 1e12')).toBe(`200 [${acked.length}]\n`);
      expect(parseResults(await client.request('QUERY full MIN 0', 20000))).toEqual(acked);
      // Saving the rules needs space too: the rule is refused.
      expect(await client.request('NEW-ALERT full MAX 60 1e15')).toBe(REPLY.internalError);
      expect(server.hasExited).toBe(false);

      // Space is back (the file system grows): writes succeed again.
      mount.resize(64 * 1024);
      expect(await logBatch(200)).toBe(0);
      expect(await client.request('NEW-ALERT full MAX 60 2e15')).toBe(REPLY.alertRegistered);
      expect(await client.request('QUERY full COUNT 1e12')).toBe(`200 [${acked.length}]\n`);
      client.destroy();
      expect(server.output).toMatch(/ENOSPC/);
      const first = server;
      expect(await first.stop(20000)).toEqual({ code: 0, signal: null });

      // After a restart exactly the acknowledged values are there, in order.
      server = await PulseServer.start({ dataDir, env });
      const check = await LineClient.connect(server.port);
      expect(parseResults(await check.request('QUERY full MIN 0', 20000))).toEqual(acked);
      // The rules it recovered: a rule answered 500 was not stored then, nor later.
      const limits = (await activeRules(server)).map((rule) => rule.limit);
      expect(await server.stop(20000)).toEqual({ code: 0, signal: null });

      // The graceful stop of the first server, whose block write had failed, still flushed
      // and closed its storage before exiting (README: "flushes and closes storage").
      const problems: string[] = [];
      const closing = ['closed listener', 'flushed', 'closed write-ahead log', 'closed storage'];
      const missing = closing.filter((line) => !first.output.includes(line));
      if (missing.length > 0) problems.push(`the first server's stop never logged: ${missing}`);
      if (!limits.includes(2e15)) problems.push('the acknowledged rule (limit 2e15) is missing');
      if (limits.includes(1e15)) problems.push('the rule answered 500 (limit 1e15) was stored');
      expect(problems).toEqual([]);
    }),
    90000,
  );
});
