/**
 * The cause of a failed file-system call for a one-line message: `no such file or directory
 * (ENOENT)` from node's `ENOENT: no such file or directory, mkdir '/x'` (the path is named by the
 * message around it). Anything else gives its message.
 */
export function describeFsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const match = code ? /^[A-Z0-9_]+: ([^,]*)/.exec(error.message) : null;
  return match ? `${match[1]} (${code})` : error.message.split('\n')[0];
}

/** The errno code of a failed call, if it has one. */
export const errorCode = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException | undefined)?.code;
