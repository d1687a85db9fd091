import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Just enough of the on-disk format (libs/persistence/README.md) to damage data files on purpose:
 * where the WAL records of a segment are, and where a block's index lies.
 */

/** The data directory's files named `<10 digits><suffix>` under `sub`, sorted by sequence. */
export async function sequencedFiles(dataDir: string, sub: string, suffix: string) {
  const pattern = new RegExp(`^\\d{10}${suffix.replace('.', '\\.')}$`);
  const names = (await readdir(join(dataDir, sub))).filter((name) => pattern.test(name)).sort();
  return names.map((name) => join(dataDir, sub, name));
}

/** Start and end offsets of each complete record of a WAL segment (stops at the zero tail). */
export async function walRecords(path: string): Promise<Array<{ start: number; end: number }>> {
  const file = await readFile(path);
  const records: Array<{ start: number; end: number }> = [];
  let offset = 0;
  while (offset + 8 <= file.length) {
    const bodyLength = file.readUInt32LE(offset);
    if (bodyLength < 8 || offset + 8 + bodyLength > file.length) break;
    records.push({ start: offset, end: offset + 8 + bodyLength });
    offset += 8 + bodyLength;
  }
  return records;
}

/** A block's index: offset and length, from its 32-byte footer. */
export async function blockIndex(path: string): Promise<{ offset: number; length: number }> {
  const file = await readFile(path);
  const footer = file.subarray(file.length - 32);
  return { offset: footer.readDoubleLE(0), length: footer.readUInt32LE(8) };
}
