import type { RetentionPolicy } from '../retention/retention-policy';

/**
 * Which blocks to rewrite next: pure, from the blocks' summaries only (no I/O), so that every rule
 * is tested on its own. Blocks are time-partitioned as Prometheus' are: windows of growing span
 * (2 h, 12 h, 3 d, 18 d, up to a tenth of the retention), aligned to multiples of their span.
 *
 * Rules, first match wins, one job at a time:
 * 1. size: block files above PULSE_RETENTION_BYTES in all: the block with the oldest data goes.
 * 2. retention: a block holding clients' values older than the cutoff is rewritten without them
 *    once all of its values or a fortieth of the retention's worth have gone out (queries never
 *    select them meanwhile); a block left with nothing but expired entries goes.
 * 3. split: a flush block that crosses a window of the largest span is cut along those windows.
 * 4. merge: the blocks inside a window that has ended are merged into one, largest span first.
 * 5. tiers: recent neighbouring blocks (in no ended window) of similar size are merged four at a
 *    time, so a server that restarts or flushes often rewrites each value about log4(n) times.
 * Files stay within about retention / largest span, plus the windows of smaller spans inside the
 * current largest one, plus MAX_RECENT recent blocks. Just over 200 lines: the rules share the
 * window arithmetic at the end, and each is short.
 */

/** What the planner knows of an installed block. */
export interface BlockInfo {
  seq: number;
  /** Where its data lies in the sequence of blocks (block-format.ts): merges take neighbours. */
  order: number;
  /** Stamps of all its chunks; an index of expired entries only has +Infinity / -Infinity. */
  minStamp: number;
  maxStamp: number;
  /** The oldest stamp among chunks of metrics retention applies to (+Infinity: none). */
  minClientStamp: number;
  values: number;
  bytes: number;
  /** The largest lastStamp of its entries (metrics kept without values). */
  lastEntryStamp: number;
}

/** Half-open [from, to). */
export interface TimeWindow {
  from: number;
  to: number;
}

export type CompactionJob =
  | { kind: 'delete'; inputs: number[]; reason: string }
  | { kind: 'rewrite'; inputs: number[]; windows: TimeWindow[]; reason: string };

export interface PlanContext {
  now: number;
  retention: RetentionPolicy;
  /** Window spans, smallest first (levelSpans). */
  spans: readonly number[];
  /** Bytes of the data directory that are not blocks (the WAL), for PULSE_RETENTION_BYTES. */
  otherBytes: number;
  /** Blocks holding values of deleted metrics (DeletionMarks): rewritten without them. */
  holdingDeleted?: ReadonlySet<number>;
}

const HOUR = 3_600_000;
const SPANS = [2 * HOUR, 12 * HOUR, 72 * HOUR, 432 * HOUR];
const MAX_SPAN = 31 * 24 * HOUR;
export const TIER_SIZE = 4;
/** Expired values may stay on disk up to retention / this past the cutoff (see byRetention). */
export const RETENTION_SLACK_PARTS = 40;
/** Recent blocks beyond which neighbours of any sizes are merged (see byTier). */
export const MAX_RECENT = 24;

/** Spans of the window levels for a retention (0: keep everything). */
export function levelSpans(retentionMs: number): number[] {
  const largest = retentionMs > 0 ? Math.min(MAX_SPAN, retentionMs / 10) : MAX_SPAN;
  const spans = SPANS.filter((span) => span <= largest);
  return spans.length > 0 ? spans : [SPANS[0]];
}

const windowOf = (stamp: number, span: number): TimeWindow => {
  const from = Math.floor(stamp / span) * span;
  return { from, to: from + span };
};

const inside = (b: BlockInfo, w: TimeWindow): boolean => b.minStamp >= w.from && b.maxStamp < w.to;

/** The windows of `span` that [min, max] touches. */
function windowsTouched(min: number, max: number, span: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  for (let w = windowOf(min, span); w.from <= max; w = { from: w.to, to: w.to + span }) {
    windows.push(w);
  }
  return windows;
}

export function planCompaction(
  blocks: readonly BlockInfo[],
  ctx: PlanContext,
): CompactionJob | undefined {
  return (
    bySize(blocks, ctx) ??
    byRetention(blocks, ctx) ??
    byDeletion(blocks, ctx) ??
    bySplit(blocks, ctx) ??
    byEndedWindow(blocks, ctx) ??
    byTier(blocks, ctx)
  );
}

function bySize(blocks: readonly BlockInfo[], ctx: PlanContext): CompactionJob | undefined {
  const limit = ctx.retention.retentionBytes;
  if (limit <= 0 || blocks.length === 0) return undefined;
  const total = blocks.reduce((sum, b) => sum + b.bytes, ctx.otherBytes);
  if (total <= limit) return undefined;
  const oldest = blocks.reduce((a, b) => (b.maxStamp < a.maxStamp ? b : a));
  return { kind: 'delete', inputs: [oldest.seq], reason: `${total} bytes > ${limit}` };
}

function byRetention(blocks: readonly BlockInfo[], ctx: PlanContext): CompactionJob | undefined {
  const cutoff = ctx.retention.cutoff(ctx.now);
  const forget = ctx.retention.forgetBefore(ctx.now);
  const largest = ctx.spans[ctx.spans.length - 1];
  // The block that straddles the cutoff would otherwise be rewritten every cycle to drop ten
  // minutes of values: hundreds of rewrites of the same data over its window's life.
  const slack = ctx.retention.retentionMs / RETENTION_SLACK_PARTS;
  for (const b of blocks) {
    if (b.values === 0 && b.lastEntryStamp < forget) {
      return { kind: 'delete', inputs: [b.seq], reason: 'only forgotten metrics' };
    }
    if (b.minClientStamp < cutoff && (b.maxStamp < cutoff || cutoff - b.minClientStamp >= slack)) {
      const windows = windowsTouched(b.minStamp, b.maxStamp, largest);
      return { kind: 'rewrite', inputs: [b.seq], windows, reason: 'values out of retention' };
    }
  }
  return undefined;
}

function byDeletion(blocks: readonly BlockInfo[], ctx: PlanContext): CompactionJob | undefined {
  const largest = ctx.spans[ctx.spans.length - 1];
  const b = blocks.find((block) => ctx.holdingDeleted?.has(block.seq));
  if (!b) return undefined;
  const windows = windowsTouched(b.minStamp, b.maxStamp, largest);
  return { kind: 'rewrite', inputs: [b.seq], windows, reason: 'values of deleted metrics' };
}

function bySplit(blocks: readonly BlockInfo[], ctx: PlanContext): CompactionJob | undefined {
  const largest = ctx.spans[ctx.spans.length - 1];
  for (const b of blocks) {
    if (b.values === 0) continue;
    const windows = windowsTouched(b.minStamp, b.maxStamp, largest);
    if (windows.length > 1) return { kind: 'rewrite', inputs: [b.seq], windows, reason: 'split' };
  }
  return undefined;
}

function byEndedWindow(blocks: readonly BlockInfo[], ctx: PlanContext): CompactionJob | undefined {
  for (let level = ctx.spans.length - 1; level >= 0; level--) {
    const span = ctx.spans[level];
    const byWindow = new Map<number, BlockInfo[]>();
    for (const b of blocks) {
      if (b.values === 0) continue;
      const w = windowOf(b.minStamp, span);
      if (w.to > ctx.now || !inside(b, w)) continue;
      const list = byWindow.get(w.from) ?? [];
      list.push(b);
      byWindow.set(w.from, list);
    }
    for (const [from, list] of byWindow) {
      if (list.length < 2) continue;
      const inputs = list.sort((a, b) => a.order - b.order).map((b) => b.seq);
      return { kind: 'rewrite', inputs, windows: [{ from, to: from + span }], reason: 'merge' };
    }
  }
  return undefined;
}

/**
 * Recent blocks (in no ended window), in the order their data lies: four neighbours whose sizes
 * are within 4x of each other are merged (each value is then rewritten about log4(n) times, not
 * once per flush); if sizes vary so much that no such four exist and recent blocks pile up
 * beyond MAX_RECENT, the four neighbours with the fewest values in all are merged. Only
 * neighbours: a merge of blocks with another in between would interleave a metric's values.
 */
function byTier(blocks: readonly BlockInfo[], ctx: PlanContext): CompactionJob | undefined {
  const largest = ctx.spans[ctx.spans.length - 1];
  const current = windowOf(ctx.now, largest);
  const sorted = blocks
    .filter((b) => b.values > 0)
    .sort((a, b) => a.order - b.order || a.minStamp - b.minStamp);
  const recent = (b: BlockInfo) => inside(b, current) && !inEndedWindow(b, ctx);
  const candidates: BlockInfo[][] = [];
  for (let i = 0; i + TIER_SIZE <= sorted.length; i++) {
    const run = sorted.slice(i, i + TIER_SIZE);
    if (run.every(recent)) candidates.push(run);
  }
  const sizes = (run: BlockInfo[]) => run.map((b) => b.values);
  const similar = candidates.find(
    (run) => Math.max(...sizes(run)) <= TIER_SIZE * Math.min(...sizes(run)),
  );
  const pick =
    similar ??
    (sorted.filter(recent).length > MAX_RECENT
      ? candidates.reduce((a, b) => (total(b) < total(a) ? b : a))
      : undefined);
  if (!pick) return undefined;
  return { kind: 'rewrite', inputs: pick.map((b) => b.seq), windows: [current], reason: 'tier' };
}

const total = (run: BlockInfo[]) => run.reduce((sum, b) => sum + b.values, 0);

function inEndedWindow(b: BlockInfo, ctx: PlanContext): boolean {
  return ctx.spans.some((span) => {
    const w = windowOf(b.minStamp, span);
    return w.to <= ctx.now && inside(b, w);
  });
}
