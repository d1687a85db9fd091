/**
 * What the load loop needs of a connection: LineClient provides it, specs provide a fake one.
 * `send` rejects when the reply can never come (the connection is gone).
 */
export interface LoadConnection {
  send(command: string): Promise<string>;
  onClose(listener: (error: Error | undefined) => void): void;
  /** Graceful: half-close and wait (bounded) for the socket to close. */
  close(): Promise<void>;
  /** Drops the connection now; replies still awaited are rejected. */
  destroy(reason: string): void;
}

/** Opens a new connection to the server; rejects when it cannot (refused, timed out...). */
export type ConnectionFactory = () => Promise<LoadConnection>;
