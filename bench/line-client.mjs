// line-client.mjs - a small line-protocol client for the commands loadgen.mjs does not send
// (QUERY, NEW-ALERT): sequential requests with their latency, pipelined batches, and the QUERY
// latency series and rows of the benchmark. Every wait is bounded.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fmtMs } from './report.mjs';

export const QUERY_TIMEOUT_S = 60;
const CONNECT_TIMEOUT_S = 10;

/** Resolves to `promise`'s value, or to `value` after `seconds`. */
export function within(promise, seconds, value) {
  let timer;
  const expired = new Promise((resolve) => (timer = setTimeout(resolve, seconds * 1000, value)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export class LineClient {
  /** Connects to 127.0.0.1:port; the client's `error` is set when that failed. */
  static async open(port) {
    const client = new LineClient(port);
    const connected = new Promise((resolve) => client.sock.once('connect', () => resolve('')));
    client.error = await within(
      Promise.race([connected, client.failed]),
      CONNECT_TIMEOUT_S,
      `not connected within ${CONNECT_TIMEOUT_S} s`,
    );
    if (client.error) client.close();
    return client;
  }

  constructor(port) {
    this.error = '';
    this.waiters = []; // resolve functions of the replies still expected, oldest first
    this.sock = net.connect({ host: '127.0.0.1', port, noDelay: true });
    let chunks = [];
    this.sock.on('data', (buf) => {
      let at = 0;
      for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, at)) {
        chunks.push(buf.subarray(at, nl));
        const line = Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
        chunks = [];
        at = nl + 1;
        this.waiters.shift()?.(line);
      }
      if (at < buf.length) chunks.push(buf.subarray(at));
    });
    this.failed = new Promise((resolve) => {
      this.sock.on('error', (e) => resolve(`connection error: ${e.code ?? e.message}`));
      this.sock.on('close', () => resolve('connection closed by the server'));
    });
  }

  /** Sends `lines` in one write; resolves to their replies, or to { error } (then unusable). */
  async batch(lines, timeoutS) {
    if (this.error) return { error: this.error };
    const replies = Promise.all(lines.map(() => new Promise((r) => this.waiters.push(r))));
    this.sock.write(lines.map((l) => `${l}\n`).join(''));
    const r = await within(
      Promise.race([
        replies.then((texts) => ({ texts })),
        this.failed.then((error) => ({ error })),
      ]),
      timeoutS,
      { error: `no reply within ${timeoutS} s` },
    );
    if (r.error) this.error = r.error;
    return r;
  }

  /** One command, one reply: { text, ms } or { error, ms }. */
  async request(line, timeoutS = QUERY_TIMEOUT_S) {
    const t0 = performance.now();
    const r = await this.batch([line], timeoutS);
    const ms = performance.now() - t0;
    return r.error ? { error: r.error, ms } : { text: r.texts[0], ms };
  }

  close() {
    this.sock.destroy();
  }
}

/** Counts replies that differ from `expected`, keeping a few samples. */
export class ReplyCheck {
  constructor(isGood) {
    this.isGood = isGood;
    this.total = 0;
    this.bad = 0;
    this.samples = new Map();
  }

  add(text) {
    this.total++;
    if (this.isGood(text)) return;
    this.bad++;
    const sample = text.length > 120 ? `${text.slice(0, 120)}...` : text;
    if (this.samples.has(sample) || this.samples.size < 8)
      this.samples.set(sample, (this.samples.get(sample) ?? 0) + 1);
  }

  describe(what) {
    const samples = [...this.samples].map(([t, n]) => `${n}x "${t}"`).join(', ');
    return `${this.bad} of ${this.total} replies ${what} (${samples})`;
  }
}

export const isListing = (text) => text.startsWith('200 [');

/** Sum of the integers of a `200 [a, b, ...]` reply (COUNT); NaN for anything else. */
export function countSum(text) {
  const m = /^200 \[([^\]]*)\]$/.exec(text);
  if (!m) return NaN;
  if (!m[1].trim()) return 0;
  return m[1].split(',').reduce((sum, s) => sum + Number(s), 0);
}

/** Sends `command` sequentially on one connection; resolves to the latencies (ms) and checks. */
export async function queryLatency(port, command, warmups, count) {
  const check = new ReplyCheck(isListing);
  const out = { times: [], check, error: '' };
  const client = await LineClient.open(port);
  out.error = client.error;
  try {
    for (let i = 0; i < warmups + count && !out.error; i++) {
      const r = await client.request(command);
      if (r.error) {
        out.error = r.error;
        break;
      }
      check.add(r.text);
      if (i >= warmups) out.times.push(r.ms);
      if (i === warmups + count - 1) out.replyLength = r.text.length;
    }
  } finally {
    client.close();
  }
  return out;
}

/**
 * Sends `command` on one connection, each after the previous reply, until `stop` resolves (the
 * reply in flight then is still awaited, at most QUERY_TIMEOUT_S). Resolves to the latencies of
 * the replies that arrived, their check and an error, if any.
 */
export async function queryLoop(port, command, stop) {
  const check = new ReplyCheck(isListing);
  const out = { times: [], check, error: '' };
  let stopped = false;
  stop.then(() => (stopped = true));
  const client = await LineClient.open(port);
  out.error = client.error;
  try {
    while (!stopped && !out.error) {
      const r = await client.request(command);
      if (r.error) out.error = r.error;
      else {
        check.add(r.text);
        out.times.push(r.ms);
      }
    }
  } finally {
    client.close();
  }
  return out;
}

export const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
export function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
export const sortedTimes = (q) => [...q.times].sort((a, b) => a - b);

/** The median and p90 rows of a queryLatency() result (`q` null: not run). */
export function queryRows(report, what, q, { command, notRun = 'not run' }) {
  if (!q) {
    report.row(`${what}: median (ms)`, notRun, 'n/a');
    return;
  }
  const sorted = sortedTimes(q);
  let med = sorted.length ? fmtMs(median(sorted)) : 'none';
  let p90 = sorted.length ? fmtMs(quantile(sorted, 0.9)) : 'none';
  const problems = [];
  if (q.check.bad) problems.push(q.check.describe('do not start with "200 ["'));
  if (q.error) problems.push(`stopped after ${q.times.length} timed queries: ${q.error}`);
  if (problems.length) {
    med = report.flag(med, `Pulse, ${command}: ${problems.join('; ')}`);
    p90 = report.sameFlag(p90);
  }
  report.row(`${what}: median (ms)`, med, 'n/a');
  report.row(`${what}: p90 (ms)`, p90, 'n/a');
  if (q.replyLength !== undefined)
    report.extra.push(`last reply of ${what}: ${q.replyLength} characters`);
}
