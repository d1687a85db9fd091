import { join } from 'node:path';
import { openBlock, readChunks } from '../block/block-reader';
import type { InlineBlockRead, OpenedBlock } from '../block/block-reader';
import { BLOCK_SUFFIX } from '../block/block-format';
import { nodeStorageFs } from '../io/node-storage-fs';
import type { StorageFs } from '../io/storage-fs';
import { sequencedName } from '../fs-util';
import { retentionAppliesTo } from '../retention/retention-policy';
import { WholeBlockReads } from '../block/whole-block-reads';
import { BlockFileWriter } from './block-file-writer';
import { MetricParts } from './metric-parts';
import type { TimeWindow } from './compaction-plan';

/** Chunks read from an input block in one read (as the query path does). */
const CHUNKS_PER_READ = 128;

/** One rewrite, as handed to the worker thread (plain data: structured-cloned). */
export interface CompactionTask {
  blockDir: string;
  /** In the order their data lies (BlockInfo.order): adjacent blocks. */
  inputs: { seq: number; path: string; order: number }[];
  /** Output windows, in time order: one block per window that holds anything. */
  windows: TimeWindow[];
  /** Outputs are numbered from here, in window order. */
  firstSeq: number;
  /** Values of clients' metrics stamped before this are dropped (-Infinity: none). */
  cutoff: number;
  /** Metrics whose last stamp is before this, and with no value left, are dropped. */
  forgetBefore: number;
  /** Deleted metrics (DeletionMarks): their values stamped up to the mark are dropped. */
  deleted?: Record<string, number>;
}

export interface CompactionOutput {
  seq: number;
  path: string;
  values: number;
  bytes: number;
}

export interface CompactionResult {
  outputs: CompactionOutput[];
  valuesIn: number;
  valuesOut: number;
}

/**
 * Rewrites the input blocks into one block per window: every value kept exactly once (values of
 * clients' metrics older than `cutoff` dropped), chunks re-cut and re-encoded (so version 1
 * blocks become version 2), each output naming the group it belongs to and the inputs it
 * replaces. Reads and writes through `fs`; does not touch the inputs, which the caller removes
 * once the outputs are installed (or recovery does, seeing the whole group on disk). Just over 200
 * lines: planning the outputs from the summaries and streaming the values belong together.
 */
export async function runCompaction(
  task: CompactionTask,
  fs: StorageFs = nodeStorageFs,
): Promise<CompactionResult> {
  const blocks: OpenedBlock[] = [];
  // Each metric's chunks in a block are read in turn: one read each of a many-metric block made
  // 100,000s of small reads, their buffers and promises (the worker's heap grew by ~150 MB while
  // merging three blocks of 100,000 metrics); blocks up to 16 MiB are read whole (WholeBlockReads).
  const whole = new WholeBlockReads();
  try {
    for (const input of task.inputs) blocks.push(await openBlock(input.path, fs));
    const metrics = new MetricParts(
      blocks,
      task.inputs.map((input) => input.order),
    );
    // Each input's runs (an object per metric) are in `metrics` now; with 100,000 metrics a
    // block they were ~30 MB of the worker's heap for the whole rewrite.
    for (const block of blocks) block.runs = [];
    const plan = planOutputs(task, metrics);
    const inlineReads = blocks.map((block, slot) =>
      whole.readerFor(slot, block.handle, block.layout),
    );
    const walCoveredUpTo = Math.max(0, ...blocks.map((b) => b.footer.walCoveredUpTo));
    const group = {
      first: task.firstSeq,
      size: plan.length,
      order: Math.min(...task.inputs.map((i) => i.order)),
      replaced: task.inputs.map((i) => i.seq),
    };
    const outputs: CompactionOutput[] = [];
    try {
      for (let k = 0; k < plan.length; k++) {
        const seq = task.firstSeq + k;
        const path = join(task.blockDir, sequencedName(seq, BLOCK_SUFFIX));
        const writer = await BlockFileWriter.create(path, fs);
        try {
          await writeOutput(writer, plan[k], task, metrics, inlineReads);
          const bytes = await writer.finish(group, walCoveredUpTo);
          outputs.push({ seq, path, values: writer.valueCount, bytes });
        } catch (error) {
          await writer.abort();
          throw error;
        }
      }
    } catch (error) {
      // An incomplete group must not stay: recovery would undo it, but the inputs stay installed
      // meanwhile and the next try writes a new group. Best effort; recovery does the rest.
      for (const { path } of outputs) await fs.unlink(path).catch(() => undefined);
      throw error;
    }
    const valuesIn = blocks.reduce((sum, b) => sum + countValues(b), 0);
    return { outputs, valuesIn, valuesOut: outputs.reduce((sum, o) => sum + o.values, 0) };
  } finally {
    whole.clear();
    await Promise.all(blocks.map((b) => b.handle.close().catch(() => undefined)));
  }
}

interface OutputPlan {
  window: TimeWindow;
  /** Metrics (indices in MetricParts) with chunks overlapping the window (after the cutoff). */
  members: number[];
  /** Metrics kept without values (all gone, still within their last retention period). */
  emptyEntries: number[];
}

/** Which metrics go to which window, from the chunk summaries alone. */
function planOutputs(task: CompactionTask, metrics: MetricParts): OutputPlan[] {
  const plans: OutputPlan[] = task.windows.map((window) => ({
    window,
    members: [],
    emptyEntries: [],
  }));
  for (let m = 0; m < metrics.size; m++) {
    const id = metrics.ids[m];
    const lastStamp = metrics.lastStamps[m];
    const low = lowestKept(task, id);
    let placed = false;
    for (const plan of plans) {
      if (overlaps(metrics, m, Math.max(plan.window.from, low), plan.window.to)) {
        plan.members.push(m);
        placed = true;
      }
    }
    const deletedUpTo = task.deleted?.[id] ?? -Infinity;
    const keepEmpty =
      lastStamp > deletedUpTo && (!retentionAppliesTo(id) || lastStamp >= task.forgetBefore);
    if (!placed && keepEmpty && plans.length > 0) {
      const home =
        plans.find((p) => lastStamp >= p.window.from && lastStamp < p.window.to) ??
        plans[plans.length - 1];
      home.emptyEntries.push(m);
    }
  }
  return plans.filter((p) => p.members.length + p.emptyEntries.length > 0);
}

/** Whether one of metric m's chunks holds stamps in [from, to). */
function overlaps(metrics: MetricParts, m: number, from: number, to: number): boolean {
  for (let p = metrics.partsFrom(m); p < metrics.partsEnd(m); p++) {
    const { table } = metrics.blocks[metrics.partBlock[p]];
    for (let c = metrics.partFirst[p]; c < metrics.partEnd[p]; c++) {
      if (table.maxStamp[c] >= from && table.minStamp[c] < to) return true;
    }
  }
  return false;
}

/** The earliest stamp of the metric's values that the output keeps (retention, deletion). */
function lowestKept(task: CompactionTask, id: string): number {
  const retained = retentionAppliesTo(id) ? task.cutoff : -Infinity;
  const deletedUpTo = task.deleted?.[id];
  return deletedUpTo === undefined ? retained : Math.max(retained, deletedUpTo + 1);
}

async function writeOutput(
  writer: BlockFileWriter,
  plan: OutputPlan,
  task: CompactionTask,
  metrics: MetricParts,
  inlineReads: readonly InlineBlockRead[],
) {
  const { window } = plan;
  for (const m of plan.members) {
    const id = metrics.ids[m];
    const from = Math.max(window.from, lowestKept(task, id));
    writer.beginEntry(id);
    for (let p = metrics.partsFrom(m); p < metrics.partsEnd(m); p++) {
      const block = metrics.blocks[metrics.partBlock[p]];
      const inline = inlineReads[metrics.partBlock[p]];
      const first = metrics.partFirst[p];
      const end = metrics.partEnd[p];
      const { table } = block;
      let c = first;
      while (c < end) {
        if (table.maxStamp[c] < from || table.minStamp[c] >= window.to) {
          c++;
          continue;
        }
        let last = c + 1;
        while (last < end && last - c < CHUNKS_PER_READ && table.minStamp[last] < window.to) last++;
        for (const chunk of await readChunks(block.handle, table, c, last, block.layout, inline)) {
          const { stamps, values } = chunk;
          for (let i = 0; i < stamps.length; i++) {
            if (stamps[i] >= from && stamps[i] < window.to) writer.add(stamps[i], values[i]);
          }
        }
        await writer.drain();
        c = last;
      }
    }
    writer.endEntry(metrics.lastStamps[m]);
  }
  for (const m of plan.emptyEntries) {
    writer.beginEntry(metrics.ids[m]);
    writer.endEntry(metrics.lastStamps[m]);
  }
}

function countValues(block: OpenedBlock): number {
  let values = 0;
  for (let c = 0; c < block.table.length; c++) values += block.table.count[c];
  return values;
}
