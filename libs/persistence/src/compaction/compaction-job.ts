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
import type { TimeWindow } from './compaction-plan';

/** Chunks read from an input block in one read (as the query path does). */
const CHUNKS_PER_READ = 128;
/** Bytes of input blocks held whole at once (WholeBlockReads), in the worker thread. */
const COMPACTION_WHOLE_BLOCK_BYTES = 64 * 1024 * 1024;

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

/** One metric across the inputs: its chunk ranges in time order, and its last stamp. */
interface MetricParts {
  id: string;
  parts: { block: OpenedBlock; order: number; first: number; end: number }[];
  lastStamp: number;
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
  // merging three blocks of 100,000 metrics); blocks up to a quarter of this are read whole.
  const whole = new WholeBlockReads(COMPACTION_WHOLE_BLOCK_BYTES);
  try {
    for (const input of task.inputs) blocks.push(await openBlock(input.path, fs));
    const metrics = collectMetrics(
      blocks.map((block, i) => ({ block, order: task.inputs[i].order })),
    );
    const plan = planOutputs(task, metrics);
    const inlineReads = new Map(
      blocks.map((block, slot): [OpenedBlock, InlineBlockRead] => [
        block,
        (position, length) => whole.read(slot, block.handle, block.layout, position, length),
      ]),
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
          await writeOutput(writer, plan[k], task, inlineReads);
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

function collectMetrics(blocks: readonly { block: OpenedBlock; order: number }[]): MetricParts[] {
  const byId = new Map<string, MetricParts>();
  for (const { block, order } of blocks) {
    for (const { id, first, end, lastStamp } of block.runs) {
      let metric = byId.get(id);
      if (!metric) byId.set(id, (metric = { id, parts: [], lastStamp: -Infinity }));
      metric.lastStamp = Math.max(metric.lastStamp, lastStamp);
      if (end > first) metric.parts.push({ block, order, first, end });
    }
  }
  const metrics = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const m of metrics) {
    m.parts.sort(
      (a, b) =>
        a.order - b.order || a.block.table.minStamp[a.first] - b.block.table.minStamp[b.first],
    );
  }
  return metrics;
}

interface OutputPlan {
  window: TimeWindow;
  /** Metrics with chunks overlapping the window (after the cutoff). */
  members: MetricParts[];
  /** Metrics kept without values (all gone, still within their last retention period). */
  emptyEntries: MetricParts[];
}

/** Which metrics go to which window, from the chunk summaries alone. */
function planOutputs(task: CompactionTask, metrics: readonly MetricParts[]): OutputPlan[] {
  const plans: OutputPlan[] = task.windows.map((window) => ({
    window,
    members: [],
    emptyEntries: [],
  }));
  for (const metric of metrics) {
    const low = lowestKept(task, metric.id);
    let placed = false;
    for (const plan of plans) {
      const from = Math.max(plan.window.from, low);
      const overlaps = metric.parts.some(({ block: { table }, first, end }) => {
        for (let c = first; c < end; c++) {
          if (table.maxStamp[c] >= from && table.minStamp[c] < plan.window.to) return true;
        }
        return false;
      });
      if (overlaps) {
        plan.members.push(metric);
        placed = true;
      }
    }
    const deletedUpTo = task.deleted?.[metric.id] ?? -Infinity;
    const keepEmpty =
      metric.lastStamp > deletedUpTo &&
      (!retentionAppliesTo(metric.id) || metric.lastStamp >= task.forgetBefore);
    if (!placed && keepEmpty && plans.length > 0) {
      const home =
        plans.find((p) => metric.lastStamp >= p.window.from && metric.lastStamp < p.window.to) ??
        plans[plans.length - 1];
      home.emptyEntries.push(metric);
    }
  }
  return plans.filter((p) => p.members.length + p.emptyEntries.length > 0);
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
  inlineReads: Map<OpenedBlock, InlineBlockRead>,
) {
  const { window } = plan;
  for (const metric of plan.members) {
    const from = Math.max(window.from, lowestKept(task, metric.id));
    writer.beginEntry(metric.id);
    for (const { block, first, end } of metric.parts) {
      const { table } = block;
      let c = first;
      while (c < end) {
        if (table.maxStamp[c] < from || table.minStamp[c] >= window.to) {
          c++;
          continue;
        }
        let last = c + 1;
        while (last < end && last - c < CHUNKS_PER_READ && table.minStamp[last] < window.to) last++;
        const inline = inlineReads.get(block);
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
    writer.endEntry(metric.lastStamp);
  }
  for (const metric of plan.emptyEntries) {
    writer.beginEntry(metric.id);
    writer.endEntry(metric.lastStamp);
  }
}

function countValues(block: OpenedBlock): number {
  let values = 0;
  for (let c = 0; c < block.table.length; c++) values += block.table.count[c];
  return values;
}
