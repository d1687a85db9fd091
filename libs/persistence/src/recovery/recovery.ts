import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { BLOCK_SUFFIX } from '../block/block-format';
import { CorruptBlockError, openBlock } from '../block/block-reader';
import type { OpenedBlock } from '../block/block-reader';
import type { Clock } from '../clock';
import { fsyncDirectory, listSequenced } from '../fs-util';
import { describeFsError } from '../io/fs-error';
import type { StorageFs } from '../io/storage-fs';
import { SeriesStore } from '../series/series-store';
import { DATA_DIR_SETTING } from '../storage-options';
import { replayWal } from '../wal/wal-replay';
import { WriteAheadLog } from '../wal/write-ahead-log';

export interface StorageLayout {
  dataDir: string;
  walDir: string;
  blockDir: string;
}

/**
 * Creates the data directory if needed, with one clear error if it cannot be: the directory, the
 * setting that names it and the cause (ENOENT under /proc, EACCES, ENOTDIR...).
 */
export async function ensureDataDir(fs: StorageFs, dir: string, inside = dir): Promise<void> {
  try {
    await fs.mkdir(inside);
  } catch (error) {
    const what = inside === dir ? '' : ` its subdirectory ${inside}`;
    throw new Error(
      `data directory ${dir} (${DATA_DIR_SETTING})${what} cannot be created: ${describeFsError(error)}`,
      { cause: error },
    );
  }
}

/**
 * Start-up recovery, before the listener opens (so the port opens only when the data is
 * queryable): removes leftover temporary blocks, installs every sound block (a damaged one is set
 * aside as *.corrupt), replays the WAL segments no block covers (cutting torn tails) and starts a
 * fresh segment. Returns the highest block number found. Any I/O failure fails start-up.
 */
export async function recoverStorage(
  layout: StorageLayout,
  store: SeriesStore,
  wal: WriteAheadLog,
  fs: StorageFs,
  clock: Clock,
  logger: Logger,
): Promise<number> {
  const started = clock.now();
  await ensureDataDir(fs, layout.dataDir, layout.walDir);
  await ensureDataDir(fs, layout.dataDir, layout.blockDir);
  const { coveredUpTo, lastBlockSeq } = await loadBlocks(layout.blockDir, store, fs, logger);
  const report = await replayWal(
    layout.walDir,
    coveredUpTo,
    (batch) => {
      const series = batch.ids.map((id) => store.getOrCreate(id));
      const bySeries = Array.from(batch.idIndex, (i) => series[i]);
      for (let i = 0; i < bySeries.length; i++) {
        bySeries[i].lastStamp = Math.max(bySeries[i].lastStamp, batch.stamps[i]);
      }
      store.apply(bySeries, batch.stamps, batch.values, bySeries.length);
    },
    fs,
  );
  for (const cut of report.cut) {
    logger.warn(`cut ${cut.bytes} torn bytes from ${cut.path} at offset ${cut.offset}`);
  }
  await wal.startSegment(Math.max(report.lastSeq, coveredUpTo));
  logger.log(
    `opened storage in ${layout.dataDir}: ${store.size} metrics, ${store.blockFiles.length} blocks, ` +
      `${report.values} values replayed from ${report.segments} WAL segments in ${clock.now() - started} ms`,
  );
  return lastBlockSeq;
}

async function loadBlocks(
  blockDir: string,
  store: SeriesStore,
  fs: StorageFs,
  logger: Logger,
): Promise<{ coveredUpTo: number; lastBlockSeq: number }> {
  for (const name of await fs.readdir(blockDir)) {
    if (name.endsWith('.tmp')) await fs.unlink(join(blockDir, name));
  }
  let lastBlockSeq = 0;
  const sound: SoundBlock[] = [];
  for (const { seq, path } of await listSequenced(blockDir, BLOCK_SUFFIX, fs)) {
    lastBlockSeq = Math.max(lastBlockSeq, seq);
    try {
      sound.push({ seq, path, block: await openBlock(path, fs) });
    } catch (error) {
      // Only damage is set aside; an I/O error (EIO, EMFILE) fails start-up rather than hide data.
      if (!(error instanceof CorruptBlockError)) throw error;
      await fs.rename(path, `${path}.corrupt`);
      logger.error(`dropped corrupt block ${path} (${error.message}); kept as ${path}.corrupt`);
    }
  }
  const dropped = interruptedSwaps(sound, logger);
  for (const { path, block } of sound.filter((b) => dropped.has(b.seq))) {
    await block.handle.close();
    await fs.unlink(path);
  }
  if (dropped.size > 0) await fsyncDirectory(blockDir, fs);
  let coveredUpTo = 0;
  for (const { seq, path, block } of sound.filter((b) => !dropped.has(b.seq))) {
    store.installBlock(block.handle, block.table, block.runs, block.layout, {
      seq,
      order: block.group?.order ?? seq, // version 1: flush blocks, in number order
      path,
      bytes: block.bytes,
    });
    coveredUpTo = Math.max(coveredUpTo, block.footer.walCoveredUpTo);
  }
  return { coveredUpTo, lastBlockSeq };
}

interface SoundBlock {
  seq: number;
  path: string;
  block: OpenedBlock;
}

/**
 * A compaction writes its outputs, each naming the whole group and the blocks it replaces, then
 * removes those blocks. Killed in between, it left both on disk: with every output of the group
 * present the swap is finished (the replaced blocks go), with some missing it is undone (the
 * outputs go). Returns the numbers of the blocks to remove.
 */
function interruptedSwaps(blocks: readonly SoundBlock[], logger: Logger): Set<number> {
  const present = new Set(blocks.map((b) => b.seq));
  const groups = new Map<number, { size: number; replaced: number[]; members: number[] }>();
  for (const { seq, block } of blocks) {
    const group = block.group;
    if (!group || group.replaced.length === 0) continue;
    const entry = groups.get(group.first) ?? { ...group, members: [] };
    entry.members.push(seq);
    groups.set(group.first, entry);
  }
  const dropped = new Set<number>();
  for (const { size, replaced, members } of groups.values()) {
    const left = replaced.filter((seq) => present.has(seq));
    if (left.length === 0) continue;
    if (members.length === size) {
      logger.warn(`finishing an interrupted compaction: blocks ${left.join(', ')} were replaced`);
      for (const seq of left) dropped.add(seq);
    } else {
      logger.warn(
        `undoing an interrupted compaction: ${members.length} of its ${size} new blocks ` +
          `(${members.join(', ')}) were written; blocks ${left.join(', ')} stay`,
      );
      for (const seq of members) dropped.add(seq);
    }
  }
  return dropped;
}
