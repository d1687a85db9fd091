/**
 * The cause of a failed file-system call for a one-line message: `no such file or directory
 * (ENOENT)` from node's `ENOENT: no such file or directory, mkdir '/x'` (the path is named by the
 * message around it). Anything else gives its message.
 */
export function describeFsError(error: unknown): string {
  // Duck-typed: an error from another realm (a vm context, as under Jest) is no `instanceof Error`.
  const { message, code } = (error ?? {}) as Partial<NodeJS.ErrnoException>;
  if (typeof message !== 'string') return String(error);
  const match = code ? /^[A-Z0-9_]+: ([^,]*)/.exec(message) : null;
  return match ? `${match[1]} (${code})` : message.split('\n')[0];
}

/** The errno code of a failed call, if it has one. */
export const errorCode = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException | undefined)?.code;
