// fsync-sink.mjs - the floor of any Node server that acknowledges a line only once it is on disk:
// answers each '\n'-terminated line with '201 Metric Inserted\n' after appending the bytes of the
// event-loop turn to a preallocated O_DSYNC file in one write (group commit). No parsing, no
// index, no queries: what Pulse's durability costs before Pulse does any work of its own.
// Like Pulse, a commit of 4 or more lines is written on the event loop, smaller ones through the
// thread pool (bench/README.md, "Floors").
// Run: node bench/fsync-sink.mjs [port=0] [dir=a new temp dir]   (binds 127.0.0.1 only)
// Prints `listening on 127.0.0.1:<port>` on stdout once it accepts connections.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const port = Number(process.argv[2] ?? 0);
const dir = process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-fsync-sink-'));
const file = path.join(dir, 'log');
const REPLY = Buffer.from('201 Metric Inserted\n');
const SEGMENT = 256 * 1024 * 1024; // preallocated: overwriting allocated blocks skips metadata
const INLINE_LINES = 4;
const { O_WRONLY, O_CREAT, O_TRUNC, O_DSYNC } = fs.constants;

const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC);
const zeros = Buffer.alloc(8 * 1024 * 1024);
for (let at = 0; at < SEGMENT; at += zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, at);

let offset = 0;
let chunks = [];
let waiting = []; // [socket, lines] of the batch being filled
let lines = 0;
let committing = false;
let scheduled = false;

function commit() {
  scheduled = false;
  if (committing || waiting.length === 0) return;
  committing = true;
  const batch = waiting;
  const record = Buffer.concat(chunks);
  const count = lines;
  waiting = [];
  chunks = [];
  lines = 0;
  if (offset + record.length > SEGMENT) offset = 0; // a floor, not a store: wrap around
  const at = offset;
  offset += record.length;
  const done = () => {
    committing = false;
    for (const [socket, n] of batch) {
      if (!socket.destroyed) socket.write(n === 1 ? REPLY : Buffer.alloc(REPLY.length * n, REPLY));
    }
    if (waiting.length) commit();
  };
  if (count >= INLINE_LINES) {
    fs.writeSync(fd, record, 0, record.length, at);
    done();
  } else fs.write(fd, record, 0, record.length, at, done);
}

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (buf) => {
    let n = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
    if (n === 0) return; // the floor only needs whole lines: a split line is counted later
    chunks.push(buf);
    lines += n;
    waiting.push([socket, n]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(commit);
    }
  });
  socket.on('error', () => {});
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
const stop = () => {
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, stop);
