/** The verbs whose replies are counted (unknown verbs are answered by the transport itself). */
export const COUNTED_VERBS = ['LOG', 'QUERY', 'NEW-ALERT'] as const;
export const REPLY_CLASSES = ['2xx', '4xx', '5xx'] as const;

/**
 * Counters the transport keeps as it answers: replies by verb and class, connections refused.
 * Plain numbers, read by /metrics at scrape time: the command path pays an increment each.
 */
export class CommandStats {
  /** verb -> [2xx, 4xx, 5xx] */
  readonly replies = new Map<string, Float64Array>(
    COUNTED_VERBS.map((verb) => [verb, new Float64Array(REPLY_CLASSES.length)]),
  );
  connectionsRefused = 0;
  /** Commands answered 503 because PULSE_MAX_IN_FLIGHT commands were in flight. */
  commandsRefusedBusy = 0;

  /** Counts one run's replies (one line per command, each starting with its status code). */
  count(verb: string, replies: unknown): void {
    const counts = this.replies.get(verb);
    if (!counts || !Array.isArray(replies)) return;
    for (const reply of replies) {
      const code = typeof reply === 'string' ? reply.charCodeAt(0) : 0;
      counts[code === 0x32 ? 0 : code === 0x34 ? 1 : 2]++; // '2', '4', else 5xx
    }
  }

  /** LOGs answered `201`: values acknowledged. */
  get valuesAcknowledged(): number {
    return (this.replies.get('LOG') as Float64Array)[0];
  }
}
