import { WalBatchSource, encodeWalRecord, walRecordBytes, writeWalRecord } from './wal-format';

const INITIAL_BYTES = 64 * 1024;
/** A record larger than this gets a buffer of its own, let go after its write. */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;

/**
 * Encodes WAL records into one buffer it keeps (grown up to 4 MiB when a record does not fit): a record is
 * valid until the next encode. The commit loop writes one record at a time, so one buffer serves
 * every commit, instead of a new zero-filled allocation each, which was a large part of the cost
 * of a commit of one value (LOGs trickling in one per event-loop turn).
 */
export class WalRecordEncoder {
  private buffer = Buffer.alloc(INITIAL_BYTES);

  /** The record of `batch`: a view of the kept buffer, overwritten by the next encode. */
  encode(batch: WalBatchSource): Buffer {
    const bytes = walRecordBytes(batch);
    if (bytes > MAX_KEPT_BYTES) return encodeWalRecord(batch);
    if (bytes > this.buffer.length) {
      // Buffer.alloc gives a buffer of its own (byteOffset 0): the record's arrays stay aligned.
      this.buffer = Buffer.alloc(Math.max(bytes, this.buffer.length * 2));
    }
    return this.buffer.subarray(0, writeWalRecord(batch, this.buffer));
  }
}
