import { readFileSync, writeFileSync } from 'node:fs';

/** Most lines kept, in readline's order (newest first). */
export const HISTORY_SIZE = 500;

/**
 * The interactive prompt's history, kept between sessions in a plain file, newest line first.
 * History is a convenience: a missing or unreadable file is an empty history, and a failed save
 * is ignored rather than disturbing the session.
 */
export function loadHistory(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

export function saveHistory(path: string, lines: readonly string[]): void {
  try {
    writeFileSync(path, `${lines.slice(0, HISTORY_SIZE).join('\n')}\n`, { mode: 0o600 });
  } catch {
    // Read-only home, no permission: the session goes on without saved history.
  }
}
