import { open } from 'node:fs/promises';
import type { AlertJournalEntry } from '../alerts/alert-evaluation';

/** How much of the journal's end a request reads at most: the newest entries are there. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

/**
 * The newest `limit` entries of alerts.jsonl (only the metric's when given), newest first, from
 * its last MAX_READ_BYTES at most. A line that is not JSON (a torn write) is skipped.
 */
export async function journalNewestFirst(
  path: string,
  limit: number,
  metric?: string,
): Promise<AlertJournalEntry[]> {
  let text: string;
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!file) return [];
  try {
    const { size } = await file.stat();
    const length = Math.min(size, MAX_READ_BYTES);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    text = buffer.toString('utf8');
    // Read from the middle of a line: the first (partial) one is not an entry.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
  } finally {
    await file.close();
  }
  const entries: AlertJournalEntry[] = [];
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0 && entries.length < limit; i--) {
    if (lines[i] === '') continue;
    try {
      const entry = JSON.parse(lines[i]) as AlertJournalEntry;
      if (metric === undefined || entry.id === metric) entries.push(entry);
    } catch {
      // a torn line
    }
  }
  return entries;
}
