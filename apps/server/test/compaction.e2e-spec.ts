/**
 * Compaction in the built server's worker thread, under load: small flushes make block after
 * block, compaction merges them while values keep coming, and the server is killed (SIGKILL)
 * at a different moment of that in each round. Afterwards every acknowledged value is there
 * exactly once, in order, and the block files stay few. (Each step of a compaction is killed
 * deterministically in libs/persistence/src/compaction/compaction.spec.ts.)
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LineClient } from './support/line-client';
import { crashViolations, LoadOutcome, LogLoad } from './support/log-load';
import { parseResults } from './support/replies';
import { useServerPool } from './support/server-pool';
import { within } from './support/timing';
import { freshDataDir } from './support/spawn-server';

const ROUNDS = 4;
const METRICS = ['compact-a', 'compact-b'];

describe('compaction under load', () => {
  const pool = useServerPool();

  it(
    'keeps every acknowledged value exactly once across kills during compactions',
    pool.logged(async () => {
      const dataDir = await freshDataDir();
      const env = { PULSE_FLUSH_VALUES: '1000', PULSE_DURABILITY: 'os' };
      const outcomes: LoadOutcome[] = [];
      let compactions = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const server = await pool.start({ dataDir, env });
        expect(server.output).toMatch(/compaction runs in a worker thread/);
        const clients = await Promise.all(
          Array.from({ length: 4 }, () => LineClient.connect(server.port)),
        );
        const loads = clients.map(
          (client, index) =>
            new LogLoad(client, {
              metric: METRICS[index % METRICS.length],
              base: (round * 10 + index + 1) * 1_000_000,
              window: 500,
              maxLines: 400_000,
              maxMs: 15_000,
            }),
        );
        const runs = loads.map((load) => load.run());
        await within(Promise.all(loads.map((load) => load.acknowledged)), 10_000, 'first acks');
        // Until compactions have happened in this round, then a different moment each round.
        const before = (server.output.match(/\] (tier|merge|split):/g) ?? []).length;
        for (let waited = 0; waited < 10_000; waited += 20) {
          if ((server.output.match(/\] (tier|merge|split):/g) ?? []).length > before) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await new Promise((resolve) => setTimeout(resolve, 37 * round));
        compactions += (server.output.match(/\] (tier|merge|split):/g) ?? []).length;
        expect((await server.kill()).signal).toBe('SIGKILL');
        outcomes.push(...(await within(Promise.all(runs), 10_000, 'load loops ending')));
      }
      expect(compactions).toBeGreaterThan(0);

      const last = await pool.start({ dataDir, env });
      const client = await LineClient.connect(last.port);
      for (const metric of METRICS) {
        const mine = outcomes.filter((outcome) => outcome.metric === metric);
        const stored = parseResults(await client.request(`QUERY ${metric} MIN 0`, 30_000));
        expect(stored.length).toBeGreaterThanOrEqual(
          mine.reduce((sum, outcome) => sum + outcome.acked.length, 0),
        );
        expect(crashViolations(stored, mine)).toEqual([]);
      }
      const blocks = (await readdir(join(dataDir, 'blocks'))).filter((n) => n.endsWith('.blk'));
      // One size tier per factor of 4 from 1,000-value flushes: at most three blocks each.
      expect(blocks.length).toBeLessThanOrEqual(3 * 8 + 2);
      expect((await last.stop()).code).toBe(0);
    }),
    120_000,
  );
});
