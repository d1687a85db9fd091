/**
 * What happened to every LOG line the loop wrote. Each line has exactly one outcome, so at all
 * times `sent = acked + busy + errors + lost + inflight`: nothing is ever unaccounted for.
 */
export interface LoadStats {
  /** LOG lines written, retries included. */
  sent: number;
  /** Answered with Replies.metricInserted (201): stored. */
  acked: number;
  /** Answered `503`: not stored; the value is sent again after a pause. */
  busy: number;
  /** Answered anything else (`400`, `500`...): not stored, not retried. */
  errors: number;
  /** In flight when their connection dropped: maybe stored, maybe not; not resent. */
  lost: number;
  /** Written and not answered yet. */
  inflight: number;
  /** Connections opened after the first one. */
  reconnects: number;
}

export function emptyStats(): LoadStats {
  return { sent: 0, acked: 0, busy: 0, errors: 0, lost: 0, inflight: 0, reconnects: 0 };
}
