// tls-scenario.mjs - `tls`: the pipelined, request/response and one-shot loads against a second
// Pulse that speaks TLS (PULSE_TLS_CERT_FILE/KEY_FILE; a CA and a server certificate made with
// the openssl command line, as the README's recipe does), taking turns with the benchmark's own
// plain-TCP Pulse for --rounds rounds. Both use fsync durability and their own data dirs; the
// generator verifies the server against the CA. The generator pays for TLS too, on the same two
// cores: the ratio is what TLS costs this machine, both ends together.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from './harness.mjs';
import { fmtRatio, log } from './report.mjs';
import { startPulse } from './servers.mjs';

const LOADS = [
  ['pipelined LOG 8x64', { mode: 'pipelined' }],
  ['request/response LOG 64x1', { mode: 'reqresp' }],
  ['one connection per LOG, 16 at a time', { mode: 'oneshot' }],
];

/** A CA and a certificate for 127.0.0.1/localhost signed by it, in `dir`; undefined: no openssl. */
function makeCertificates(dir) {
  const openssl = (...args) => spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  const steps = [
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=bench CA',
    ],
    ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=bench'],
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2'],
  ];
  steps[2].push('-days', '2', '-extfile', 'server.ext', '-out', 'server.crt');
  for (const step of steps) {
    const run = openssl(...step);
    if (run.error || run.status !== 0) return undefined;
  }
  const file = (name) => path.join(dir, name);
  return {
    ca: fs.readFileSync(file('ca.crt'), 'utf8'),
    cert: file('server.crt'),
    key: file('server.key'),
  };
}

export async function tlsScenario(bench) {
  const { report } = bench;
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulse-bench-tls-'));
  bench.extraDirs.add(dir);
  const certificates = makeCertificates(dir);
  if (!certificates) {
    report.row('TLS: not run (openssl not installed)', 'n/a', 'n/a');
    return;
  }
  const dataDir = path.join(dir, 'data');
  await fs.promises.mkdir(dataDir);
  const tlsPulse = await startPulse('Pulse over TLS', dataDir, {
    PULSE_TLS_CERT_FILE: certificates.cert,
    PULSE_TLS_KEY_FILE: certificates.key,
  });
  bench.extraServers.add(tlsPulse);
  if (tlsPulse.startError) {
    bench.startFailed(tlsPulse, 'Pulse over TLS');
    return;
  }
  log(`Pulse over TLS (pid ${tlsPulse.pid}) on port ${tlsPulse.port}`);
  for (const [label, options] of LOADS) {
    const runs = { plain: [], tls: [] };
    for (let round = 0; round < bench.opts.rounds; round++) {
      runs.plain.push(await bench.load(bench.pulse, `${label}, plain TCP`, options));
      runs.tls.push(
        await bench.load(tlsPulse, `${label}, TLS`, { ...options, tlsCa: certificates.ca }),
      );
    }
    const [plain, tls] = [median(runs.plain), median(runs.tls)];
    report.row(`TLS: ${label} (LOG/s)`, bench.loadCell(tlsPulse, tls), 'n/a');
    report.row(
      `  plain TCP in the same rounds; TLS / plain: ${fmtRatio(tls?.rate, plain?.rate)}`,
      bench.loadCell(bench.pulse, plain),
      'n/a',
    );
  }
}
