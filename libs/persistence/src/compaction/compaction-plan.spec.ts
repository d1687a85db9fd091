import { RetentionPolicy } from '../retention/retention-policy';
import {
  BlockInfo,
  levelSpans,
  MAX_RECENT,
  planCompaction,
  PlanContext,
  TIER_SIZE,
} from './compaction-plan';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = 1000 * DAY + 5 * HOUR; // 05:00 on a day boundary-aligned clock

let nextSeq = 1;
function block(minStamp: number, maxStamp: number, values = 5000, more: Partial<BlockInfo> = {}) {
  const seq = nextSeq++;
  return {
    seq,
    order: seq,
    minStamp,
    maxStamp,
    minClientStamp: minStamp,
    values,
    bytes: values * 2,
    lastEntryStamp: maxStamp,
    ...more,
  } satisfies BlockInfo;
}

const ctx = (retention = new RetentionPolicy(30 * DAY), now = NOW): PlanContext => ({
  now,
  retention,
  spans: levelSpans(retention.retentionMs),
  otherBytes: 0,
});

describe('compaction plan', () => {
  it('grows window spans up to a tenth of the retention (2 h at least, 31 d at most)', () => {
    expect(levelSpans(30 * DAY)).toEqual([2 * HOUR, 12 * HOUR, 72 * HOUR]);
    expect(levelSpans(HOUR)).toEqual([2 * HOUR]);
    expect(levelSpans(0)).toEqual([2 * HOUR, 12 * HOUR, 72 * HOUR, 432 * HOUR]);
  });

  it('has nothing to do for one block per ended window and a few recent blocks', () => {
    const blocks = [
      block(NOW - 40 * HOUR, NOW - 39 * HOUR), // inside one 3 d window
      block(NOW - 4 * HOUR, NOW - 3.5 * HOUR),
      block(NOW - 10 * 60_000, NOW - 60_000),
    ];
    expect(planCompaction(blocks, ctx())).toBeUndefined();
  });

  it('merges the blocks of an ended window, the largest ended span first', () => {
    const day = Math.floor(NOW / (72 * HOUR)) * 72 * HOUR - 72 * HOUR; // an ended 3 d window
    const a = block(day + HOUR, day + 2 * HOUR);
    const b = block(day + 30 * HOUR, day + 31 * HOUR);
    const job = planCompaction([a, b], ctx());
    expect(job).toEqual({
      kind: 'rewrite',
      inputs: [a.seq, b.seq],
      windows: [{ from: day, to: day + 72 * HOUR }],
      reason: 'merge',
    });
  });

  it('splits a flush block that crosses a window of the largest span', () => {
    const edge = Math.floor(NOW / (72 * HOUR)) * 72 * HOUR;
    const wide = block(edge - HOUR, edge + HOUR);
    const job = planCompaction([wide], ctx());
    expect(job).toMatchObject({ kind: 'rewrite', inputs: [wide.seq], reason: 'split' });
    expect(job?.kind === 'rewrite' && job.windows).toEqual([
      { from: edge - 72 * HOUR, to: edge },
      { from: edge, to: edge + 72 * HOUR },
    ]);
  });

  it(`merges ${TIER_SIZE} neighbouring recent blocks of similar size, not each flush into the last`, () => {
    const big = block(NOW - 3 * HOUR, NOW - 2.5 * HOUR, 2_000_000);
    const small = Array.from({ length: TIER_SIZE - 1 }, (_, i) =>
      block(NOW - 50 * 60_000 + i, NOW - 50 * 60_000 + i, 2000),
    );
    expect(planCompaction([big, ...small], ctx())).toBeUndefined();
    const fourth = block(NOW - 1000, NOW - 500, 7000);
    expect(planCompaction([big, ...small, fourth], ctx())).toMatchObject({
      kind: 'rewrite',
      inputs: [...small, fourth].map((b) => b.seq),
      reason: 'tier',
    });
  });

  it('never merges blocks that are not neighbours in the order their data lies', () => {
    const a = block(NOW - 40 * 60_000, NOW - 39 * 60_000, 2000);
    const between = block(NOW - 38 * 60_000, NOW - 37 * 60_000, 100_000);
    const rest = Array.from({ length: 3 }, (_, i) =>
      block(NOW - 30 * 60_000 + i, NOW - 30 * 60_000 + i, 2000),
    );
    const job = planCompaction([a, between, ...rest], ctx());
    expect(job).toBeUndefined(); // a and rest are alike, but `between` lies between them
  });

  it(`merges the four smallest neighbours once more than ${MAX_RECENT} recent blocks pile up`, () => {
    const sizes = Array.from({ length: MAX_RECENT + 1 }, (_, i) => (i % 2 ? 1000 : 50_000));
    const blocks = sizes.map((values, i) =>
      block(NOW - 3000 + i * 10, NOW - 3000 + i * 10, values),
    );
    expect(planCompaction(blocks.slice(0, MAX_RECENT), ctx())).toBeUndefined();
    const job = planCompaction(blocks, ctx());
    expect(job?.reason).toBe('tier');
    expect(job?.inputs).toEqual(blocks.slice(0, 4).map((b) => b.seq)); // ties: the first
  });

  it('rewrites a block holding values out of retention, and deletes one left with forgotten metrics only', () => {
    const retention = new RetentionPolicy(10 * DAY);
    const old = block(NOW - 11 * DAY, NOW - 9 * DAY);
    expect(planCompaction([old], ctx(retention))).toMatchObject({
      kind: 'rewrite',
      inputs: [old.seq],
      reason: 'values out of retention',
    });
    const exempt = block(NOW - 11 * DAY, NOW - 11 * DAY + 1, 10, { minClientStamp: Infinity });
    expect(planCompaction([exempt], ctx(retention))?.reason).not.toBe('values out of retention');
    const husk = block(Infinity, -Infinity, 0, { lastEntryStamp: NOW - 21 * DAY });
    expect(planCompaction([husk], ctx(retention))).toEqual({
      kind: 'delete',
      inputs: [husk.seq],
      reason: 'only forgotten metrics',
    });
    const kept = block(Infinity, -Infinity, 0, { lastEntryStamp: NOW - 19 * DAY });
    expect(planCompaction([kept], ctx(retention))).toBeUndefined();
  });

  it('rewrites a block straddling the cutoff only once a fortieth of the retention has gone out', () => {
    const retention = new RetentionPolicy(40 * DAY); // slack: one day
    const cutoff = NOW - 40 * DAY;
    const straddling = (expired: number) => block(cutoff - expired, cutoff + 2 * DAY);
    for (const early of [10 * 60_000, 23 * HOUR]) {
      const job = planCompaction([straddling(early)], ctx(retention));
      expect(job?.reason).not.toBe('values out of retention');
    }
    expect(planCompaction([straddling(DAY)], ctx(retention))?.reason).toBe(
      'values out of retention',
    );
    // A block whose values have all gone out goes at once, however few they are.
    const expired = block(cutoff - 10 * 60_000, cutoff - 60_000);
    expect(planCompaction([expired], ctx(retention))?.reason).toBe('values out of retention');
  });

  it('drops the block with the oldest data while blocks hold more than PULSE_RETENTION_BYTES', () => {
    const retention = new RetentionPolicy(0, 15_000);
    const a = block(NOW - 5 * DAY, NOW - 4 * DAY, 5000);
    const b = block(NOW - 9 * DAY, NOW - 8 * DAY, 5000);
    expect(planCompaction([a, b], ctx(retention))).toMatchObject({
      kind: 'delete',
      inputs: [b.seq],
    });
    expect(planCompaction([a], ctx(retention))?.kind).not.toBe('delete');
  });
});
