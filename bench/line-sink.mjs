// line-sink.mjs - the bare Node.js line server, the floor of any Node server speaking the line
// protocol: answers each '\n'-terminated line with '201 Metric Inserted\n'. No parsing, no storage.
// Same logic as /work/shared/tools/nodesink.js, self-contained so the bench runs from the project.
// Run: node bench/line-sink.mjs [port=0]   (binds 127.0.0.1 only; 0 = a free port)
// Prints `listening on 127.0.0.1:<port>` on stdout once it accepts connections.
import net from 'node:net';

const port = Number(process.argv[2] ?? 0);
const REPLY = '201 Metric Inserted\n';

const server = net.createServer({ noDelay: true }, (s) => {
  s.on('data', (buf) => {
    let n = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
    if (n) s.write(n === 1 ? REPLY : REPLY.repeat(n));
  });
  s.on('error', () => {});
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
