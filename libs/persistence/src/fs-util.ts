import { join } from 'node:path';
import { nodeStorageFs } from './io/node-storage-fs';
import type { StorageFs } from './io/storage-fs';

/** Makes a directory's entries (created, renamed or removed files) durable. */
export function fsyncDirectory(dir: string, fs: StorageFs = nodeStorageFs): Promise<void> {
  return fs.syncDirectory(dir);
}

/** Files of `dir` named `<sequence number><suffix>`, sorted by number. */
export async function listSequenced(
  dir: string,
  suffix: string,
  fs: StorageFs = nodeStorageFs,
): Promise<{ seq: number; path: string }[]> {
  const pattern = new RegExp(`^(\\d{10})${suffix.replace('.', '\\.')}$`);
  const found: { seq: number; path: string }[] = [];
  for (const name of await fs.readdir(dir)) {
    const match = pattern.exec(name);
    if (match) found.push({ seq: Number(match[1]), path: join(dir, name) });
  }
  return found.sort((a, b) => a.seq - b.seq);
}

export const sequencedName = (seq: number, suffix: string): string =>
  `${String(seq).padStart(10, '0')}${suffix}`;
