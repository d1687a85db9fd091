import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Makes a directory's entries (created, renamed or removed files) durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Files of `dir` named `<sequence number><suffix>`, sorted by number. */
export async function listSequenced(
  dir: string,
  suffix: string,
): Promise<{ seq: number; path: string }[]> {
  const pattern = new RegExp(`^(\\d{10})${suffix.replace('.', '\\.')}$`);
  const found: { seq: number; path: string }[] = [];
  for (const name of await readdir(dir)) {
    const match = pattern.exec(name);
    if (match) found.push({ seq: Number(match[1]), path: join(dir, name) });
  }
  return found.sort((a, b) => a.seq - b.seq);
}

export const sequencedName = (seq: number, suffix: string): string =>
  `${String(seq).padStart(10, '0')}${suffix}`;
