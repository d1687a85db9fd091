import { LoadStats } from './load-stats';

/** Acknowledgements per second over `elapsedMs` (0 for an empty interval). */
export function ackRate(acked: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (acked * 1000) / elapsedMs : 0;
}

/**
 * One summary line, `key=value` pairs in a fixed order so scripts can grep them:
 * `sent=1200 acked=1198 busy=2 errors=0 lost=0 inflight=0 rate=39.9/s`.
 */
export function formatSummary(stats: LoadStats, ratePerSecond: number): string {
  const { sent, acked, busy, errors, lost, inflight } = stats;
  return (
    `sent=${sent} acked=${acked} busy=${busy} errors=${errors} lost=${lost}` +
    ` inflight=${inflight} rate=${ratePerSecond.toFixed(1)}/s`
  );
}
