/**
 * The part of fs-native-extensions (prebuilt N-API file locks; the package ships no types) that
 * the data-directory lock uses. On Linux the lock is an open-file-description lock
 * (F_OFD_SETLK): it belongs to the open file, conflicts with other opens in the same process
 * too, and ends when the file is closed or its process dies.
 */
declare module 'fs-native-extensions' {
  /** An exclusive (or, with `shared`, shared) lock on the whole file; false if another holds it. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}
