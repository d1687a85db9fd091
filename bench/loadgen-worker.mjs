// loadgen-worker.mjs - one load-generator thread (started by loadgen.mjs, not run by hand).
// Drives its share of the connections against 127.0.0.1:<port> and counts the replies:
// - requests are slices of one prebuilt Buffer of lines (no per-request allocation or formatting);
// - replies are checked against the expected byte stream with one memcmp per read in the common
//   case (all replies `201 Metric Inserted`); only a read holding another reply takes the slow
//   path that splits it into lines and keeps a few samples of the unexpected texts.
// Live counters go to a SharedArrayBuffer (read by the main thread at the start and end of the
// measured window); exact totals are posted in the final `done` message.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';

const HOST = '127.0.0.1';
const {
  port,
  mode, // 'pipelined' | 'reqresp' | 'oneshot'
  connIndexes, // global indexes of the connections (or oneshot loops) run by this thread
  totalConns,
  depth, // lines in flight per connection (1 for reqresp and oneshot)
  id, // metric id, or id prefix when ids > 1
  ids, // number of distinct ids, round-robin
  values, // the few values cycled through
  budgets, // null (run until told to stop) or, per connection, the exact number of `201` to get
  stats, // SharedArrayBuffer: Uint32 [ok, bad, errors, connErrors] per thread
  slot, // this thread's index in stats
  noProgressMs, // abort when no reply arrives for this long while something is in flight
  drainMs, // after `stop`, how long to wait for the replies still in flight
  tlsCa, // PEM of the CA that signed the server's certificate: connect over TLS; undefined: TCP
  line, // the request, with {id} and {value} in it (default `LOG {id} {value}`)
  reply, // the expected reply (default `201 Metric Inserted`)
} = workerData;

const REPLY = Buffer.from(`${reply}\n`);
const RL = REPLY.length;
const MAX_SAMPLES = 8;

// ---------- requests: one ring of lines, extended by `depth` lines so any batch is contiguous ----------
const gcd = (a, b) => (b ? gcd(b, a % b) : a);
const ringLines = (ids * values.length) / gcd(ids, values.length);
const OFF = new Int32Array(ringLines + depth + 1);
const parts = [];
let bytes = 0;
for (let i = 0; i < ringLines + depth; i++) {
  const j = i % ringLines;
  const text = line
    .replace('{id}', ids > 1 ? id + (j % ids) : id)
    .replace('{value}', values[j % values.length]);
  OFF[i] = bytes;
  parts.push(`${text}\n`);
  bytes += Buffer.byteLength(text) + 1;
}
OFF[ringLines + depth] = bytes;
const RING = Buffer.from(parts.join(''));

// ---------- replies ----------
const RBUF = Buffer.allocUnsafe(256 * 1024); // shared by all sockets of this thread (onread is sync)
const EXP = Buffer.alloc(RBUF.length + RL).fill(REPLY); // the expected reply stream

/**
 * A connection whose replies reach `onData(n)` as the first n bytes of RBUF. Plain TCP reads
 * straight into RBUF (onread); a TLS socket has no onread, so its decrypted chunks are copied in.
 * `ready` is the event after which the connection is usable.
 */
const ready = tlsCa ? 'secureConnect' : 'connect';
function openSocket(onData) {
  if (!tlsCa)
    return net.connect({
      host: HOST,
      port,
      noDelay: true,
      onread: { buffer: RBUF, callback: onData },
    });
  const sock = tls.connect({ host: HOST, port, ca: tlsCa, servername: 'localhost' });
  sock.setNoDelay(true);
  sock.on('data', (chunk) => {
    for (let at = 0; at < chunk.length; at += RBUF.length)
      onData(chunk.copy(RBUF, 0, at, Math.min(at + RBUF.length, chunk.length)));
  });
  return sock;
}

const counters = new Uint32Array(stats);
const base = slot * 4;
let ok = 0;
let bad = 0;
let errors = 0;
let connErrors = 0;
let replies = 0;
/** Epoch times (ms, sub-ms precision) of this thread's first request and last right reply. */
let firstSentAt = 0;
let lastOkAt = 0;
const now = () => performance.timeOrigin + performance.now();
const samples = new Map();
const errorKinds = new Map(); // what went wrong (unanswered lines, connection errors) -> count

function noteBad(text) {
  if (samples.has(text) || samples.size < MAX_SAMPLES)
    samples.set(text, (samples.get(text) ?? 0) + 1);
}
function noteKind(what, n) {
  if (errorKinds.has(what) || errorKinds.size < MAX_SAMPLES)
    errorKinds.set(what, (errorKinds.get(what) ?? 0) + n);
}
/** Lines sent that got no reply at all. */
function noteError(what, n) {
  errors += n;
  Atomics.add(counters, base + 2, n);
  noteKind(`unanswered: ${what}`, n);
}
/** A connection that failed to open or was lost. */
function noteConnError(what) {
  connErrors++;
  Atomics.add(counters, base + 3, 1);
  noteKind(`connection: ${what}`, 1);
}

/** Counts the complete reply lines in RBUF[0, n); returns how many. Updates c.good and c.ph. */
function scan(c, n) {
  const ph = c.ph;
  if (!c.partBad && RBUF.compare(EXP, ph, ph + n, 0, n) === 0) {
    const t = ph + n;
    const lines = (t / RL) | 0;
    c.ph = t - lines * RL;
    if (lines) {
      ok += lines;
      c.good += lines;
      lastOkAt = now();
      Atomics.add(counters, base, lines);
    }
    return lines;
  }
  return scanSlow(c, RBUF.subarray(0, n));
}

function scanSlow(c, b) {
  const n = b.length;
  let pos = 0;
  let good = 0;
  let wrong = 0;
  while (pos < n) {
    const nl = b.indexOf(10, pos);
    if (nl === -1) {
      const len = n - pos;
      if (!c.partBad && (c.ph + len >= RL || b.compare(REPLY, c.ph, c.ph + len, pos, n) !== 0)) {
        c.partBad = true;
        c.partText = REPLY.toString('utf8', 0, c.ph);
      }
      if (c.partBad) {
        if (c.partText.length < 200) c.partText += b.toString('utf8', pos, n);
      } else c.ph += len;
      break;
    }
    const len = nl + 1 - pos;
    if (!c.partBad && c.ph + len === RL && b.compare(REPLY, c.ph, RL, pos, nl + 1) === 0) good++;
    else {
      wrong++;
      const head = c.partBad ? c.partText : REPLY.toString('utf8', 0, c.ph);
      noteBad((head + b.toString('utf8', pos, nl)).replace(/\r$/, '').slice(0, 200));
    }
    c.ph = 0;
    c.partBad = false;
    c.partText = '';
    pos = nl + 1;
  }
  if (good) {
    ok += good;
    c.good += good;
    lastOkAt = now();
    Atomics.add(counters, base, good);
  }
  if (wrong) {
    bad += wrong;
    Atomics.add(counters, base + 1, wrong);
  }
  return good + wrong;
}

// ---------- lifecycle ----------
let stopping = false;
let finished = false;
let readyLeft = mode === 'oneshot' ? 0 : connIndexes.length;
let openLeft = connIndexes.length; // connections (or oneshot loops) not finished yet
const conns = new Set();
const timers = new Set();
let abortReason = '';

function later(ms, fn) {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
}

function markReady(c) {
  if (c.ready) return;
  c.ready = true;
  if (--readyLeft === 0) parentPort.postMessage({ type: 'ready' });
}

function connDone(c) {
  if (c.finished) return;
  c.finished = true;
  if (--openLeft === 0) finish();
}

function finish() {
  if (finished) return;
  finished = true;
  clearInterval(watchdog);
  for (const t of timers) clearTimeout(t);
  timers.clear();
  parentPort.postMessage({
    type: 'done',
    ok,
    bad,
    errors,
    connErrors,
    firstSentAt,
    lastOkAt,
    samples: [...samples],
    errorKinds: [...errorKinds],
    abortReason,
  });
  parentPort.close();
}

/** Drops every connection; what is still in flight counts as errors. */
function abortAll(reason) {
  if (finished) return;
  abortReason = reason;
  for (const c of conns) {
    if (c.inflight > 0) noteError(reason, c.inflight);
    c.inflight = 0;
    c.closing = true;
    c.sock.destroy();
  }
  conns.clear();
  finish();
}

// ---------- persistent connections: pipelined and reqresp ----------
function startPersistent(index, budget) {
  const c = {
    sock: null,
    inflight: 0,
    ph: 0,
    partBad: false,
    partText: '',
    good: 0,
    budget,
    pos: Math.floor((index * ringLines) / totalConns) % ringLines,
    ready: false,
    closing: false,
    finished: false,
  };
  connectPersistent(c);
}

function connectPersistent(c) {
  const sock = openSocket((n) => onPersistentData(c, n));
  c.sock = sock;
  c.inflight = 0;
  c.ph = 0;
  c.partBad = false;
  c.partText = '';
  c.closing = false;
  conns.add(c);
  sock.on(ready, () => {
    markReady(c);
    pump(c);
  });
  sock.on('error', (e) => {
    c.error = e.code ?? e.message;
  });
  sock.on('close', () => {
    if (c.sock !== sock) return;
    conns.delete(c);
    markReady(c);
    if (c.closing) return connDone(c);
    // lost: the server closed or reset the connection, or it could not be opened
    if (c.inflight > 0) noteError(`connection lost (${c.error ?? 'closed by server'})`, c.inflight);
    c.inflight = 0;
    noteConnError(c.error ?? 'closed by server');
    c.error = undefined;
    if (stopping || finished) return connDone(c);
    later(20, () => {
      if (stopping) connDone(c);
      else connectPersistent(c);
    });
  });
}

function onPersistentData(c, n) {
  const lines = scan(c, n);
  if (!lines) return;
  replies += lines;
  c.inflight -= lines;
  if (c.inflight < 0) c.inflight = 0; // unsolicited lines (already counted as bad or ok)
  pump(c);
}

function pump(c) {
  if (c.closing) return;
  let k = stopping ? 0 : depth - c.inflight;
  if (c.budget >= 0) k = Math.min(k, c.budget - c.good - c.inflight);
  if (k > 0) {
    if (!firstSentAt) firstSentAt = now();
    const p = c.pos;
    c.sock.write(RING.subarray(OFF[p], OFF[p + k]));
    c.inflight += k;
    c.pos = (p + k) % ringLines;
  } else if (c.inflight === 0) {
    c.closing = true;
    c.sock.end();
  }
}

// ---------- one connection per line ----------
function oneshotLoop(index) {
  if (stopping || finished) return connDone({ index });
  const c = {
    sock: null,
    inflight: 1,
    ph: 0,
    partBad: false,
    partText: '',
    good: 0,
    closing: false,
    error: undefined,
  };
  const sock = openSocket((n) => {
    if (c.closing) return;
    const lines = scan(c, n);
    if (!lines) return;
    replies += lines;
    c.inflight = 0;
    c.closing = true;
    sock.destroy();
  });
  c.sock = sock;
  conns.add(c);
  const p = oneshotPos[index];
  if (!firstSentAt) firstSentAt = now();
  sock.write(RING.subarray(OFF[p], OFF[p + 1]));
  oneshotPos[index] = p + 1 >= ringLines ? 0 : p + 1;
  sock.on('error', (e) => {
    c.error = e.code ?? e.message;
  });
  sock.on('close', () => {
    if (!conns.delete(c)) return; // aborted
    if (c.closing) return oneshotLoop(index);
    if (c.inflight > 0) noteError(c.error ?? 'closed by server', c.inflight);
    c.inflight = 0;
    if (c.error) noteConnError(c.error);
    later(10, () => oneshotLoop(index)); // do not spin on a refused or failing server
  });
}
const oneshotPos = {};

// ---------- control ----------
let lastReplies = -1;
let lastChange = Date.now();
const watchdog = setInterval(() => {
  const now = Date.now();
  if (replies !== lastReplies) {
    lastReplies = replies;
    lastChange = now;
  } else if (now - lastChange > noProgressMs) {
    abortAll(`no reply for ${noProgressMs / 1000} s`);
  }
}, 100);

parentPort.on('message', (msg) => {
  if (msg.type !== 'stop' || stopping) return;
  stopping = true;
  for (const c of [...conns]) if (mode !== 'oneshot') pump(c);
  later(drainMs, () => abortAll(`still in flight ${drainMs / 1000} s after the stop`));
});

connIndexes.forEach((index, k) => {
  if (mode === 'oneshot') {
    oneshotPos[index] = Math.floor((index * ringLines) / totalConns) % ringLines;
    oneshotLoop(index);
  } else startPersistent(index, budgets ? budgets[k] : -1);
});
if (readyLeft === 0) parentPort.postMessage({ type: 'ready' });
if (openLeft === 0) finish();
