import type { AlertJournalEntry } from '../alerts/alert-evaluation';

/** Where notifications go: an operator-configured URL, never one a client could choose. */
export interface NotificationEndpoint {
  /** Names the endpoint in logs, metrics and the cursor file. */
  readonly key: string;
  /** Journal lines per request. */
  readonly batch: number;
  /** Sends the entries in one request; throws unless the endpoint answered 2xx. */
  send(entries: readonly AlertJournalEntry[], signal: AbortSignal): Promise<void>;
  /** Sends again what is still active (Alertmanager's firing alerts), if the endpoint keeps any. */
  resend?(signal: AbortSignal): Promise<void>;
}

const SEND_TIMEOUT_MS = 10_000;

/**
 * Whose alerts these are. A single node: its own (`host:port`), all of them. A cluster node: the
 * cluster's (one `instance` on every node), and only while it checks the rule's metric: a node
 * re-sends a firing alert only while it still holds the ownership it had when it sent it, so a
 * node that handed a partition over (or was paused past its lease, even if it took the partition
 * back since) never revives an alert that the owner in between resolved.
 */
export interface AlertScope {
  readonly instance: string;
  /** Which ownership of the metric's rules this node has now (undefined: none). */
  ownership(metricId: string): number | undefined;
}

async function post(url: string, body: unknown, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.any([signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
    redirect: 'error', // an endpoint must not send Pulse to another address
  });
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

/**
 * Prometheus Alertmanager's v2 API (POST /api/v2/alerts). Labels identify the rule, so that
 * Alertmanager groups and de-duplicates the repeats of one alert; a firing alert's endsAt lies
 * `activeForMs` ahead, so that it stays active until the next firing check renews it.
 */
export class AlertmanagerEndpoint implements NotificationEndpoint {
  readonly key: string;
  readonly batch = 64;
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly scope: AlertScope,
    private readonly activeForMs: number,
  ) {
    this.url = `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
    this.key = `alertmanager ${baseUrl}`;
  }

  /**
   * Firing alerts by rule, as last sent, with the ownership they were sent under: sent again
   * every PULSE_ALERT_RESEND_SECONDS while that ownership lasts.
   */
  private readonly active = new Map<string, { entry: AlertJournalEntry; ownership: number }>();

  async send(entries: readonly AlertJournalEntry[], signal: AbortSignal): Promise<void> {
    await post(
      this.url,
      entries.map((e) => this.alert(e, Date.parse(e.time))),
      signal,
    );
    for (const entry of entries) {
      const rule = `${entry.id} ${entry.op} ${entry.secs} ${entry.limit}`;
      const ownership = this.scope.ownership(entry.id);
      if (entry.state === 'firing' && ownership !== undefined)
        this.active.set(rule, { entry, ownership });
      else this.active.delete(rule);
    }
  }

  async resend(signal: AbortSignal): Promise<void> {
    for (const [rule, { entry, ownership }] of this.active) {
      if (this.scope.ownership(entry.id) !== ownership) this.active.delete(rule);
    }
    if (this.active.size === 0) return;
    const now = Date.now();
    await post(
      this.url,
      [...this.active.values()].map(({ entry }) => this.alert(entry, now)),
      signal,
    );
  }

  /** `time`: when this notification is sent for (the check's time, or now for a re-send). */
  alert(entry: AlertJournalEntry, time: number) {
    const firing = entry.state === 'firing';
    return {
      labels: {
        alertname: 'PulseAlert',
        metric: entry.id,
        op: entry.op,
        secs: String(entry.secs),
        limit: String(entry.limit),
        instance: this.scope.instance,
      },
      annotations: {
        summary: `ALERT ${entry.id}: ${entry.op} is over ${entry.limit}`,
        aggregates: JSON.stringify(entry.aggregates),
        interval: `${entry.from} .. ${entry.to}`,
      },
      startsAt: firing ? entry.from : undefined,
      endsAt: new Date(firing ? time + this.activeForMs : time).toISOString(),
      generatorURL: `http://${this.scope.instance}/alerts?metric=${encodeURIComponent(entry.id)}`,
    };
  }
}

/** A plain webhook: each journal line, as it is in alerts.jsonl, in a POST of its own. */
export class WebhookEndpoint implements NotificationEndpoint {
  readonly key: string;
  readonly batch = 1;

  constructor(private readonly url: string) {
    this.key = `webhook ${url}`;
  }

  send(entries: readonly AlertJournalEntry[], signal: AbortSignal): Promise<void> {
    return post(this.url, entries[0], signal);
  }
}
