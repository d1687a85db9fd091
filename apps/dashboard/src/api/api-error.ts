/**
 * A failed API call. `message` is what the user is shown: the body's `error` (the protocol's
 * reply text, as the contract promises) when there is one, else the HTTP status.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True for a request the page itself cancelled (a newer search replaced it). */
  static isAbort(error: unknown): boolean {
    return error instanceof DOMException && error.name === 'AbortError';
  }

  /** What to show for any error thrown by a call. */
  static messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }
}
