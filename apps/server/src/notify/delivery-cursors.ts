import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * How far each notification endpoint got in alerts.jsonl (byte offsets), in one small JSON file
 * replaced atomically (temporary file, fsync, rename, fsync of the directory): after a crash an
 * endpoint resumes at its last acknowledged line, so a notification is sent at least once.
 */
export class DeliveryCursors {
  private cursors: Record<string, number> = {};

  constructor(private readonly path: string) {}

  async load(): Promise<void> {
    const text = await readFile(this.path, 'utf8').catch(() => '{}');
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object') this.cursors = parsed as Record<string, number>;
    } catch {
      this.cursors = {}; // a torn file: every endpoint starts again (at least once)
    }
  }

  get(endpoint: string): number | undefined {
    return this.cursors[endpoint];
  }

  async set(endpoint: string, offset: number): Promise<void> {
    this.cursors[endpoint] = offset;
    const temporary = `${this.path}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(JSON.stringify(this.cursors));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.path);
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
