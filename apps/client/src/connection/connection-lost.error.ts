/**
 * A command's reply will never come: the connection closed (or was given up on) first. The
 * command may or may not have been executed by the server, which is why callers count it apart
 * from the replies they did get.
 */
export class ConnectionLostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionLostError';
  }
}
