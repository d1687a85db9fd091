/** Messages read and not yet durable here; beyond it the consumer waits for storage. */
const MAX_QUEUED = 4096;

export interface StreamMessage {
  seq: number;
  data: Uint8Array;
}

/**
 * Hands messages to `write` in batches: whatever arrived while the previous batch was being
 * stored goes in the next one (a group commit of stream messages), one batch at a time. The
 * first failure is kept and rethrown to the reader, which then starts again from the checkpoint.
 */
export class BatchWriter {
  private queue: StreamMessage[] = [];
  private writing: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly write: (batch: readonly StreamMessage[]) => Promise<void>,
    private readonly onFailure: () => void,
  ) {}

  async add(message: StreamMessage): Promise<void> {
    if (this.failure) throw this.failure;
    this.queue.push(message);
    this.writing ??= this.writeAll();
    if (this.queue.length >= MAX_QUEUED) await this.writing;
  }

  async finish(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failure) {
        const batch = this.queue;
        this.queue = [];
        await this.write(batch);
      }
    } catch (error) {
      this.failure = error;
      this.queue = [];
      this.onFailure();
    } finally {
      this.writing = undefined;
    }
  }
}
