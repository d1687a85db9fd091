/**
 * Crashes and shutdown under mixed load (pipelined and one-shot LOGs, QUERYs, NEW-ALERTs):
 * 20 rounds of SIGKILL at random moments on one data directory, including kills during start-up
 * recovery, then SIGTERM under load. After every restart each acknowledged value and rule is
 * there, no value appears that was not sent, and counts, minimum and maximum agree with what the
 * clients saw acknowledged.
 */
import { LineClient } from '../support/line-client';
import type { LoadOutcome } from '../support/log-load';
import { parseResults, REPLY } from '../support/replies';
import { freshDataDir, PulseServer } from '../support/spawn-server';
import { useServerPool } from '../support/server-pool';
import { auditStored, nextBase, tally } from './crash-audit';
import { activeRules } from '../support/active-rules';
import { ClientLedger, MixedLoad } from './mixed-load';
import { SeededRandom } from './seeded-random';
import { sleep, within } from '../support/timing';

const METRICS = ['crash-a', 'crash-b', 'crash-c'];
const BULK = 'crash-bulk';
const ROUNDS = 20;
/** Rounds that first fill the WAL with BULK_VALUES values, so the next start-up has work to do. */
const BULK_ROUNDS = new Set([6, 13]);
const BULK_VALUES = 400000;
/** Start-ups killed on purpose, and the log line that triggers the kill. */
const STARTUP_KILLS = new Map<number, RegExp>([
  [7, /ServerModule dependencies initialized/], // while the 400,000-value WAL is replayed
  [14, /opened storage/], // while the replayed heads are flushed to a block, around listen
]);

function envFor(round: number): Record<string, string> {
  return {
    PULSE_DURABILITY: round % 2 ? 'fsync' : 'os',
    // Small heads: blocks are written (and killed mid-write) often; the bulk rounds keep theirs.
    PULSE_FLUSH_VALUES: BULK_ROUNDS.has(round) ? '5000000' : '20000',
    PULSE_ALERT_PERIOD_SECONDS: '1',
    PULSE_DRAIN_TIMEOUT_SECONDS: '5',
  };
}

/** The rules the restarted server recovered, by ruleKey. */
async function readRules(server: PulseServer): Promise<Set<string>> {
  return new Set((await activeRules(server)).map((listed) => listed.rule));
}

const minMax = (values: readonly number[]) => {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
};

/** Everything the server holds for `metric` against what its senders were told. */
async function auditMetric(
  client: LineClient,
  metric: string,
  senders: readonly LoadOutcome[],
  listAll: boolean,
): Promise<string[]> {
  const { acked, sent } = tally(senders);
  const queries = [`COUNT 1e12`, `MIN 1e12`, `MAX 1e12`, ...(listAll ? ['MIN 0'] : [])];
  const replies = await client.pipeline(
    queries.map((q) => `QUERY ${metric} ${q}`),
    30000,
  );
  if (replies[0] === REPLY.notFound) {
    return acked === 0 && replies.every((r) => r === REPLY.notFound)
      ? []
      : [`${metric}: 404 but ${acked} values were acknowledged`];
  }
  const [[count], [min], [max]] = replies.slice(0, 3).map(parseResults);
  const problems: string[] = [];
  if (count < acked || count > sent)
    problems.push(`${metric}: count ${count} outside [${acked} acknowledged, ${sent} sent]`);
  if (listAll) {
    const stored = parseResults(replies[3]);
    const extremes = minMax(stored);
    if (stored.length !== count)
      problems.push(`${metric}: COUNT ${count}, listed ${stored.length}`);
    if (min !== extremes.min || max !== extremes.max)
      problems.push(`${metric}: MIN/MAX ${min}/${max}, listing ${extremes.min}/${extremes.max}`);
    problems.push(...auditStored(stored, senders));
  }
  return problems;
}

describe('crashes and shutdown', () => {
  const pool = useServerPool();
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    pool.logged(fn, 2);
  const start = (dataDir: string, env: Record<string, string>) => pool.start({ dataDir, env });

  async function auditAll(
    server: PulseServer,
    ledger: ClientLedger,
    bulk: LoadOutcome[],
    listBulk: boolean,
  ): Promise<string[]> {
    const client = await LineClient.connect(server.port);
    const problems: string[] = [];
    for (const metric of ledger.metrics) {
      problems.push(...(await auditMetric(client, metric, ledger.senders.get(metric)!, true)));
    }
    problems.push(...(await auditMetric(client, BULK, bulk, listBulk)));
    client.destroy();
    const rules = await readRules(server);
    for (const key of ledger.rulesAcked) if (!rules.has(key)) problems.push(`rule lost: ${key}`);
    for (const key of rules)
      if (!ledger.rulesSent.has(key)) problems.push(`rule never sent: ${key}`);
    if (rules.size > 0 && !server.output.includes(`loaded ${rules.size} alert rules`))
      problems.push(`start-up did not log loading the ${rules.size} stored rules`);
    return problems;
  }

  /** Pipelines BULK_VALUES LOGs on one connection and waits for every reply. */
  async function bulkLoad(server: PulseServer): Promise<LoadOutcome> {
    const client = await LineClient.connect(server.port);
    const outcome: LoadOutcome = {
      metric: BULK,
      base: nextBase(),
      sent: BULK_VALUES,
      acked: [],
      rejected: [],
    };
    for (let start = 1; start <= BULK_VALUES; start += 10000) {
      let text = '';
      for (let n = start; n < start + 10000; n += 1) text += `LOG ${BULK} ${outcome.base + n}\n`;
      client.socket.write(text);
    }
    const replies = await client.nextLines(BULK_VALUES, 30000);
    replies.forEach((reply, i) =>
      (reply === REPLY.inserted ? outcome.acked : outcome.rejected).push(i + 1),
    );
    client.destroy();
    return outcome;
  }

  /** Spawns the server and SIGKILLs it as soon as its output matches `trigger`. */
  async function killDuringStartup(
    dataDir: string,
    env: Record<string, string>,
    trigger: RegExp,
  ): Promise<string> {
    const server = pool.track(PulseServer.spawn({ dataDir, env }));
    await server.waitForOutput(trigger, 15000);
    await server.kill();
    return server.output;
  }

  it(
    `keeps every acknowledged value and rule over ${ROUNDS} SIGKILLs under mixed load`,
    logged(async () => {
      const dataDir = await freshDataDir();
      const random = SeededRandom.fromEnv(7001);
      const ledger = new ClientLedger(METRICS);
      const bulk: LoadOutcome[] = [];
      const notes: string[] = [`seed ${random.seed}`];

      for (let round = 1; round <= ROUNDS; round += 1) {
        const env = envFor(round);
        const trigger = STARTUP_KILLS.get(round);
        if (trigger) {
          const output = await killDuringStartup(dataDir, env, trigger);
          const stage = output.includes('listening on')
            ? 'after listening'
            : output.includes('opened storage')
              ? 'after recovery, before listening'
              : 'during recovery';
          notes.push(`round ${round}: start-up killed ${stage}`);
          if (round === 7) expect({ round, stage }).toEqual({ round, stage: 'during recovery' });
        }

        const server = await start(dataDir, env);
        expect({ round, problems: await auditAll(server, ledger, bulk, false) }).toEqual({
          round,
          problems: [],
        });
        if (BULK_ROUNDS.has(round)) bulk.push(await bulkLoad(server));

        const load = new MixedLoad(server.port, ledger, random, {
          pipelines: 4,
          maxLines: 3000,
          window: 200,
          maxMs: 5000,
        });
        await within(load.start(), 10000, `round ${round}: first acknowledgements`);
        await sleep(random.int(0, 250));
        expect((await server.kill()).signal).toBe('SIGKILL');
        await within(load.finish(), 15000, `round ${round}: load loops ending`);
        expect({ round, anomalies: ledger.anomalies }).toEqual({ round, anomalies: [] });
        pool.servers = pool.servers.slice(-2);
      }

      const last = await start(dataDir, envFor(ROUNDS + 1));
      expect({ final: await auditAll(last, ledger, bulk, true) }).toEqual({ final: [] });
      expect(await last.stop()).toEqual({ code: 0, signal: null });
      const totals = METRICS.map(
        (metric) => `${metric} ${JSON.stringify(tally(ledger.senders.get(metric)!))}`,
      );
      console.info(
        [...notes, ...totals, `rules acknowledged ${ledger.rulesAcked.size}`].join('\n'),
      );
    }),
    150000,
  );

  it(
    'exits 0 within the drain timeout on SIGTERM under load, logs every resource closed, loses nothing',
    logged(async () => {
      const dataDir = await freshDataDir();
      const env = envFor(1);
      const server = await start(dataDir, env);
      const ledger = new ClientLedger(METRICS);
      const load = new MixedLoad(server.port, ledger, SeededRandom.fromEnv(9001), {
        pipelines: 4,
        maxLines: 100000,
        window: 500,
        maxMs: 15000,
      });
      await within(load.start(), 10000, 'first acknowledgements');
      await sleep(200);

      const signalled = Date.now();
      const exit = await server.stop(15000);
      const took = Date.now() - signalled;
      await within(load.finish(), 15000, 'load loops ending');
      expect(exit).toEqual({ code: 0, signal: null });
      // The drain timeout bounds the wait for commands in flight; the final flush comes on top.
      expect(took).toBeLessThan(5000 + 3000);
      for (const line of [
        'stopped scheduling alert checks',
        'closed listener',
        'closed write-ahead log',
        'closed storage',
      ]) {
        expect({ line, count: server.output.split(line).length - 1 }).toEqual({ line, count: 1 });
      }
      expect(server.output.indexOf('closed listener')).toBeLessThan(
        server.output.indexOf('closed storage'),
      );
      expect(ledger.anomalies).toEqual([]);
      // The signal came under load: the pipelined connections were cut short, not finished.
      const totals = METRICS.map((metric) => tally(ledger.senders.get(metric)!));
      expect(totals.reduce((sum, t) => sum + t.acked, 0)).toBeGreaterThan(0);
      expect(totals.reduce((sum, t) => sum + t.sent, 0)).toBeLessThan(4 * 100000);

      const again = await start(dataDir, env);
      expect(await auditAll(again, ledger, [], false)).toEqual([]);
      expect(await again.stop()).toEqual({ code: 0, signal: null });
    }),
    60000,
  );
});
