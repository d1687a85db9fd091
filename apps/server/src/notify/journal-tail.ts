import { open } from 'node:fs/promises';

/**
 * The file's size and its complete lines from byte `offset` on (at most `maxBytes` read; `end`
 * after each), in one open: a deliverer polls this every 250 ms. No lines when the file is
 * shorter than `offset` (it was replaced) or does not exist yet (no alert so far).
 */
export async function readJournalTail(
  path: string,
  offset: number,
  maxBytes = 1 << 20,
): Promise<{ size: number; lines: { text: string; end: number }[] }> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!file) return { size: 0, lines: [] };
  try {
    const { size } = await file.stat();
    if (size <= offset) return { size, lines: [] };
    const buffer = Buffer.alloc(Math.min(maxBytes, size - offset));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
    const lines: { text: string; end: number }[] = [];
    let start = 0;
    for (let nl = buffer.indexOf(10); nl !== -1 && nl < bytesRead; nl = buffer.indexOf(10, start)) {
      const text = buffer.toString('utf8', start, nl);
      start = nl + 1;
      if (text.trim() !== '') lines.push({ text, end: offset + start });
    }
    return { size, lines }; // a line still being written (no newline yet) is read next time
  } finally {
    await file.close();
  }
}
