import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { FileManagerFixture } from '@app/persistence/testing/file-manager-fixture';
import type { FileManager } from '@app/persistence';
import { formatCount, formatFloat, meanOfValues } from '@app/protocol';
import type { AggregateOp } from '@app/protocol';
import { WindowAggregator } from './window-aggregator';

/**
 * QUERY answered from chunk and segment summaries (and the decoded-chunk cache) must print
 * exactly what aggregating every stored value gives. The oracle below knows nothing of chunks:
 * it groups the logged values by PROTOCOL.md's windows and averages them exactly (BigInt).
 * Values stay where a double-double sum is exact (|v| <= 1e7 with at most 3 decimals), or are
 * huge enough for the exact path (>= 2^900): beyond that, summaries and values are both rounded
 * sums and may round differently, by design (see DoubleDoubleSum).
 */

const T0 = Date.UTC(2026, 0, 1);
const ID = 'm';
const OTHER = 'o';

interface Point {
  stamp: number;
  value: number;
}

const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -8000, max: 8000 }).map((n) => n / 8) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.integer({ min: -1e7, max: 1e7 }), fc.integer({ min: 0, max: 3 }))
      .map(([m, e]) => m / 10 ** e),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 0.1, 0.2, 0.3, 1e-5, 1e7) },
  { weight: 1, arbitrary: fc.constantFrom(1e300, -1e300, 2 ** 950) },
);

/** Milliseconds between neighbours: equal stamps, a busy metric, a slow one, long gaps. */
const gap = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 6, arbitrary: fc.integer({ min: 500, max: 3000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 30_000, max: 4_000_000 }) },
);

/** How the values reach storage: batches, with flushes, compactions, restarts and a deletion. */
const history = fc.record({
  points: fc.array(fc.tuple(gap, value), { minLength: 1, maxLength: 3000, size: 'max' }),
  batch: fc.integer({ min: 1, max: 700 }),
  flushValues: fc.integer({ min: 50, max: 4000 }),
  // No cache, room for a chunk or two (one scan may fill half), the default.
  queryCacheBytes: fc.constantFrom(0, 40_000, 100_000, 48 << 20),
  compactEvery: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  restartAfter: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  /** A deletion after batch `at`, of the values stamped up to point `upTo` (a fraction). */
  deletion: fc.option(
    fc.record({ at: fc.nat(8), upTo: fc.double({ min: 0, max: 1, noNaN: true }) }),
    {
      nil: undefined,
    },
  ),
  otherEvery: fc.integer({ min: 2, max: 6 }),
});

const query = fc.record({
  op: fc.constantFrom<AggregateOp>('AVG', 'MIN', 'MAX', 'COUNT'),
  secs: fc.oneof(
    fc.constantFrom(0, 0.001, 0.0015, 1, 60, 3600, 86_400),
    fc.integer({ min: 1, max: 20_000 }).map((ms) => ms / 1000),
  ),
  /** from and to as fractions of the stamps' span, or absent. */
  from: fc.option(fc.double({ min: -0.1, max: 1, noNaN: true }), { nil: undefined }),
  to: fc.option(fc.double({ min: 0, max: 1.1, noNaN: true }), { nil: undefined }),
});

/** PROTOCOL.md's windows over the values, with nothing but the values. */
function oracle(
  points: readonly Point[],
  op: AggregateOp,
  secs: number,
  from?: number,
  to?: number,
) {
  const chosen = points.filter(
    (p) => p.stamp >= (from ?? -Infinity) && p.stamp <= (to ?? Infinity),
  );
  if (secs === 0) return chosen.map((p) => (op === 'COUNT' ? '1' : formatFloat(p.value)));
  const anchor = from ?? chosen[0]?.stamp;
  const windows = new Map<number, number[]>();
  for (const p of chosen) {
    const w = Math.floor((p.stamp - anchor) / (secs * 1000));
    windows.set(w, [...(windows.get(w) ?? []), p.value]);
  }
  return [...windows.values()].map((vs) => {
    if (op === 'COUNT') return formatCount(vs.length);
    if (op === 'AVG') return formatFloat(meanOfValues(vs, 0, vs.length));
    // Python's min and max keep the first of equal values (0.0 and -0.0).
    const better = op === 'MIN' ? (a: number, b: number) => b < a : (a: number, b: number) => b > a;
    return formatFloat(vs.reduce((best, v) => (better(best, v) ? v : best)));
  });
}

async function answer(fm: FileManager, op: AggregateOp, secs: number, from?: number, to?: number) {
  const aggregator = new WindowAggregator(op, secs, from);
  const found = await fm.scan(ID, from ?? -Infinity, to ?? Infinity, aggregator);
  return found ? aggregator.finish() : undefined;
}

describe('QUERY from summaries', () => {
  const fixture = new FileManagerFixture('summaries');
  beforeAll(() => Logger.overrideLogger(false));

  it('prints what aggregating every value prints, heads, blocks and deletions included', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.array(query, { minLength: 1, maxLength: 6 }), async (h, qs) => {
        await fixture.setUp();
        fixture.clock.t = T0 + 10 * 365 * 86_400_000; // every compaction window has ended
        try {
          const options = { flushValues: h.flushValues, queryCacheBytes: h.queryCacheBytes };
          let fm = await fixture.start(options);
          // Every otherEvery-th value goes to another metric, so blocks hold several runs.
          const points: (Point & { id: string })[] = [];
          let stamp = T0;
          for (const [g, v] of h.points) {
            const id = points.length % h.otherEvery === 0 ? OTHER : ID;
            points.push({ id, stamp: (stamp += g), value: v });
          }
          let deletedUpTo = -Infinity;
          for (let b = 0, at = 0; at < points.length; b++, at += h.batch) {
            const part = points.slice(at, at + h.batch);
            await fm.appendStamped(
              part.map((p) => p.id),
              part.map((p) => p.stamp),
              part.map((p) => p.value),
            );
            if (h.deletion?.at === b) {
              const logged = at + part.length;
              deletedUpTo = points[Math.floor(h.deletion.upTo * (logged - 1))].stamp;
              await fm.markDeleted(ID, deletedUpTo);
            }
            if (h.compactEvery && b % h.compactEvery === 0) await fm.compactNow();
            if (h.restartAfter === b) {
              await fixture.stop(fm);
              fm = await fixture.start(options);
            }
          }
          const logged = points.filter((p) => p.id === ID);
          const stored = logged.filter((p) => p.stamp > deletedUpTo);
          const first = points[0].stamp;
          const span = Math.max(1, points[points.length - 1].stamp - first);
          for (const q of qs) {
            const from = q.from === undefined ? undefined : Math.round(first + q.from * span);
            const to = q.to === undefined ? undefined : Math.round(first + q.to * span);
            if (from !== undefined && to !== undefined && from > to) continue;
            // QUERY finds the metric while it has a value stamped after its deletion mark.
            const expected = stored.length > 0 ? oracle(stored, q.op, q.secs, from, to) : undefined;
            const label = `${q.op} ${q.secs} from ${from} to ${to}`;
            // Twice: the second is answered from the decoded chunks the first one cached.
            expect([label, await answer(fm, q.op, q.secs, from, to)]).toEqual([label, expected]);
            expect([label, await answer(fm, q.op, q.secs, from, to)]).toEqual([label, expected]);
          }
        } finally {
          await fixture.tearDown();
        }
      }),
      // Cases hold thousands of values: shrinking a failure is cut short after a minute.
      { numRuns: 60, interruptAfterTimeLimit: 60_000 },
    );
  }, 180_000);
});
