// jetstream-publisher.mjs - the floor of Pulse's cluster design: a bare Node publisher (no TCP
// protocol, no parsing, no storage) that sends value batches, each encoded as a WAL record like
// Pulse's cluster LOG path does (libs/persistence/src/wal/wal-format.ts: ids once, stamps,
// values, a checksum), to a JetStream subject, with `--window` publishes in flight, each with a
// message id (as Pulse sends them: the stream checks duplicates). Run by the `cluster` scenario:
//
//   node bench/jetstream-publisher.mjs --servers nats://127.0.0.1:4222,... --subject bench.floor.7
//        [--id bench.c] [--batch 512] [--window 64] [--warmup 0.5] [--duration 3]
//
// It prints `publishing` when it starts publishing, then one JSON line: values acknowledged in
// the measured window per second (`rate`), `acked` values over the whole run, `errors` (publishes
// that failed, not retried), `seconds`, and its own `cpuSeconds` from `publishing` to the end.
// Bounded: each publish times out after 5 s, and the lanes get 10 s to finish after the window.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_VALUES } from './loadgen.mjs';

const PUBLISH_TIMEOUT_MS = 5000;
const FINISH_WAIT_S = 10;
const HEADER = 8; // u32 bodyLength | u32 crc32(body)

/** One WAL-format record: `count` values of the single metric `id`, all stamped `stamp`. */
export function encodeBatch(id, values, count, stamp) {
  const align = (n, to) => Math.ceil(n / to) * to;
  const idsStart = HEADER + 8;
  const indexStart = align(idsStart + 1 + id.length, 4);
  const stampsStart = align(indexStart + count * 4, 8);
  const valuesStart = stampsStart + count * 8;
  const buf = Buffer.from(new ArrayBuffer(valuesStart + count * 8));
  buf.writeUInt32LE(count, HEADER);
  buf.writeUInt32LE(1, HEADER + 4);
  buf[idsStart] = id.length;
  buf.write(id, idsStart + 1, 'latin1');
  // id indexes are all 0 (the buffer is zero-filled)
  new Float64Array(buf.buffer, stampsStart, count).fill(stamp);
  const v = new Float64Array(buf.buffer, valuesStart, count);
  for (let i = 0; i < count; i++) v[i] = values[i % values.length];
  const body = buf.subarray(HEADER);
  buf.writeUInt32LE(body.length, 0);
  buf.writeUInt32LE(crc32(body), 4);
  return buf;
}

async function main() {
  const { values: a } = parseArgs({
    options: {
      servers: { type: 'string' },
      subject: { type: 'string' },
      id: { type: 'string', default: 'bench.c' },
      batch: { type: 'string', default: '512' },
      window: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '0.5' },
      duration: { type: 'string', default: '3' },
    },
  });
  const batch = Number(a.batch);
  const window = Number(a.window);
  if (!a.servers || !a.subject || !(batch >= 1) || !(window >= 1)) {
    process.stderr.write('jetstream-publisher.mjs: --servers and --subject are required\n');
    process.exit(2);
  }
  const values = DEFAULT_VALUES.map(Number);
  const nc = await connect({ servers: a.servers.split(','), name: 'pulse-bench-publisher' });
  const js = jetstream(nc);
  const publisherId = randomUUID();
  let sequence = 0;
  let acked = 0;
  let errors = 0;
  let lastError = '';
  let stopped = false;

  // each lane keeps one publish in flight: `window` lanes, `window` publishes
  const lane = async () => {
    while (!stopped) {
      const payload = encodeBatch(a.id, values, batch, Date.now());
      try {
        await js.publish(a.subject, payload, {
          msgID: `${publisherId}-${sequence++}`,
          timeout: PUBLISH_TIMEOUT_MS,
        });
        acked += batch;
      } catch (error) {
        errors++;
        lastError = error.message;
      }
    }
  };
  process.stdout.write('publishing\n');
  const cpu0 = process.cpuUsage();
  const lanes = Promise.all(Array.from({ length: window }, lane));
  await sleep(Number(a.warmup) * 1000);
  const tA = performance.now();
  const a0 = acked;
  await sleep(Number(a.duration) * 1000);
  const tB = performance.now();
  const a1 = acked;
  stopped = true;
  const finished = await Promise.race([lanes.then(() => true), sleep(FINISH_WAIT_S * 1000, false)]);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (tB - tA) / 1000;
  const result = {
    rate: (a1 - a0) / seconds,
    acked,
    errors,
    lastError,
    seconds,
    batch,
    window,
    finished,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await nc.close();
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
