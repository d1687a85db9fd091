import { Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { createHash } from 'node:crypto';
import { FileManager } from '@app/persistence';
import type { Clock } from '@app/persistence';
import { Replies } from '@app/protocol';

interface DeletionMark {
  id: string;
  upTo: number;
}

/** The bucket key of a metric's mark: a digest, since ids may hold characters keys may not. */
const markKey = (id: string): string =>
  `d.${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;

/**
 * Metric deletion in cluster mode (DELETE /api/metrics/{id}). The metric's owner takes it (the
 * API forwards it as a QUERY is forwarded), after catching up with the stream: it puts a mark
 * (id, its clock's now) in the replicated deletions bucket, then applies it to its own storage,
 * so a QUERY after the reply finds nothing. Every node applies every mark in the bucket, those
 * there at its start and those that come, so whichever node owns the partition later, or
 * rebuilds it from the stream, hides and compacts away the same values.
 */
export class ClusterDeletions {
  private readonly logger = new Logger('Cluster');
  private watcher: { stop(): void } | undefined;

  constructor(
    private readonly bucket: KV,
    private readonly files: FileManager,
    private readonly clock: Clock,
  ) {}

  /** Applies the marks the bucket holds, then follows the bucket. */
  async start(): Promise<void> {
    for await (const key of await this.bucket.keys()) {
      const entry = await this.bucket.get(key);
      if (entry?.operation === 'PUT') await this.apply(entry.json<DeletionMark>());
    }
    const updates = await this.bucket.watch({ ignoreDeletes: true });
    this.watcher = updates;
    void (async () => {
      for await (const entry of updates) {
        await this.apply(entry.json<DeletionMark>()).catch((error: Error) =>
          this.logger.error(`could not apply the deletion of a metric: ${error.message}`),
        );
      }
    })();
  }

  stop(): void {
    this.watcher?.stop();
  }

  /** As the metric's owner, caught up: 204, or 404 for a metric this storage does not have. */
  async deleteAsOwner(id: string): Promise<string> {
    if (!this.files.hasMetric(id)) return Replies.metricNotFound;
    const mark: DeletionMark = { id, upTo: this.clock.now() };
    await this.bucket.put(markKey(id), JSON.stringify(mark));
    await this.apply(mark);
    return '204 Deleted';
  }

  private async apply(mark: DeletionMark): Promise<void> {
    if (typeof mark.id !== 'string' || !Number.isFinite(mark.upTo)) return;
    await this.files.markDeleted(mark.id, mark.upTo);
  }
}
