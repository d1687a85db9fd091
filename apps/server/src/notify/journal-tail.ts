import { open } from 'node:fs/promises';

/** Complete lines of a file from byte `offset` on, at most `maxBytes` read; `end` after each. */
export async function readJournalLines(
  path: string,
  offset: number,
  maxBytes = 1 << 20,
): Promise<{ text: string; end: number }[]> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined; // no alert yet
    throw error;
  });
  if (!file) return [];
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await file.read(buffer, 0, maxBytes, offset);
    const lines: { text: string; end: number }[] = [];
    let start = 0;
    for (
      let nl = buffer.indexOf(10, 0);
      nl !== -1 && nl < bytesRead;
      nl = buffer.indexOf(10, start)
    ) {
      const text = buffer.toString('utf8', start, nl);
      start = nl + 1;
      if (text.trim() !== '') lines.push({ text, end: offset + start });
    }
    return lines; // a line still being written (no newline yet) is read next time
  } finally {
    await file.close();
  }
}

/** The file's size, 0 when it does not exist. */
export async function journalSize(path: string): Promise<number> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return 0;
  try {
    return (await file.stat()).size;
  } finally {
    await file.close();
  }
}
