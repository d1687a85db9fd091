import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * Every file and directory under `root`, as sorted paths relative to it (directories end in `/`).
 * Entries under any of `skip` (relative paths) are left out.
 */
export async function listTree(root: string, skip: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (skip.some((s) => rel === s || rel.startsWith(`${s}/`))) continue;
      if (entry.isDirectory()) {
        out.push(`${rel}/`);
        await walk(path);
      } else out.push(rel);
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * The paths a data directory may hold (libs/persistence/README.md, Files and ids, plus the alert
 * rules and journal): no path is ever derived from a metric id.
 */
export const DATA_DIR_ENTRY =
  /^(LOCK|wal\/|blocks\/|alerts\/|alerts\.jsonl|alerts\/rules\.log(\.tmp|\.prev|\.corrupt)?|wal\/\d{10}\.wal|blocks\/\d{10}\.blk(\.tmp|\.corrupt)?)$/;
