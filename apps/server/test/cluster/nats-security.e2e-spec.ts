/**
 * Cluster mode against secured nats-servers: TLS with client certificates plus a user and
 * password, and an operator (JWTs) with a credentials file. A node with the right settings
 * serves LOG and QUERY through JetStream; a wrong password, a missing or foreign certificate, a
 * foreign or missing credentials file each stop start-up with one line and exit 1, and no secret
 * shows in any output.
 */
import { credsAuthenticator } from '@nats-io/transport-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLine, startExpectingFailure } from '../support/failed-start';
import { LineClient } from '../support/line-client';
import { REPLY } from '../support/replies';
import { freshDataDir, PulseServer, removeDataDirs } from '../support/spawn-server';
import { TestPki, type KeyPair } from '../support/test-pki';
import { NatsCluster } from './support/nats-cluster';
import { NatsOperator } from './support/nats-operator';

const unavailable = NatsCluster.unavailableReason() ?? TestPki.unavailableReason();
if (unavailable && process.env.CI === 'true') {
  throw new Error(`NATS security tests cannot run under CI=true: ${unavailable}`);
}
if (unavailable) console.warn(`NATS security tests SKIPPED: ${unavailable}`);
const describeSecured = unavailable ? describe.skip : describe;

const USER = 'pulse-node';
const PASSWORD = 'correct-horse-battery-staple';

/** One node on a one-server NATS: partitions and replicas that a single server can hold. */
function nodeEnv(nats: NatsCluster, security: Record<string, string>): Record<string, string> {
  return {
    PULSE_NATS_SERVERS: nats.serversSetting,
    PULSE_NODE_ID: 'secured',
    PULSE_CLUSTER_REPLICAS: '1',
    PULSE_CLUSTER_PARTITIONS: '4',
    PULSE_CLUSTER_LEASE_SECONDS: '2',
    ...security,
  };
}

/** A node starts with `security`, stores a value through JetStream and answers it back. */
async function expectServes(nats: NatsCluster, security: Record<string, string>, id: string) {
  const node = await PulseServer.start({
    dataDir: await freshDataDir(),
    env: nodeEnv(nats, security),
  });
  try {
    const client = await LineClient.connect(node.port);
    expect(await client.request(`LOG ${id} 42`, 15_000)).toBe(REPLY.inserted);
    expect(await client.request(`QUERY ${id} MAX 60`, 15_000)).toBe('200 [42.0]\n');
    client.destroy();
  } finally {
    await node.stop();
  }
  for (const secret of Object.values(security)) expect(node.output).not.toContain(secret);
  return node;
}

describeSecured('cluster mode on secured NATS (real nats-server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-nats-security-'));
  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await NatsCluster.stopAll();
    await removeDataDirs();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  describe('TLS with client certificates, user and password', () => {
    let pki: TestPki;
    let ca: KeyPair;
    let node: KeyPair;
    let nats: NatsCluster;
    beforeAll(async () => {
      pki = TestPki.create();
      ca = pki.ca('nats-ca');
      const server = pki.issue(ca, 'nats-server', 'server');
      node = pki.issue(ca, 'pulse-node', 'client');
      const q = JSON.stringify;
      nats = await NatsCluster.start({
        size: 1,
        configLines: [
          `tls { cert_file: ${q(server.cert)}, key_file: ${q(server.key)}, ca_file: ${q(ca.cert)}, verify: true, timeout: 2 }`,
          `authorization { user: ${q(USER)}, password: ${q(PASSWORD)} }`,
        ],
        clientOptions: {
          tls: { caFile: ca.cert, certFile: node.cert, keyFile: node.key },
          user: USER,
          pass: PASSWORD,
        },
      });
    }, 60_000);
    afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

    const tlsEnv = () => ({
      PULSE_NATS_TLS_CA_FILE: ca.cert,
      PULSE_NATS_TLS_CERT_FILE: node.cert,
      PULSE_NATS_TLS_KEY_FILE: node.key,
    });

    it('serves LOG and QUERY through JetStream, and logs no password', async () => {
      await expectServes(
        nats,
        { ...tlsEnv(), PULSE_NATS_USER: USER, PULSE_NATS_PASSWORD: PASSWORD },
        'nats.tls.ok',
      );
    }, 60_000);

    it('stops at start-up on a wrong password, with one line that does not show it', async () => {
      const result = await startExpectingFailure(
        nodeEnv(nats, {
          ...tlsEnv(),
          PULSE_NATS_USER: USER,
          PULSE_NATS_PASSWORD: 'not-the-password',
        }),
      );
      expectOneLine(result, /NATS at .* refused this node: .*Authorization Violation/i);
      expect(result.stderr).not.toContain('not-the-password');
    }, 30_000);

    it('stops at start-up without a client certificate, or with one from another CA', async () => {
      const stranger = pki.issue(pki.ca('other-ca'), 'stranger', 'client');
      const secrets = { PULSE_NATS_USER: USER, PULSE_NATS_PASSWORD: PASSWORD };
      const certificates: Record<string, string>[] = [
        {},
        { PULSE_NATS_TLS_CERT_FILE: stranger.cert, PULSE_NATS_TLS_KEY_FILE: stranger.key },
      ];
      for (const certificate of certificates) {
        // TLS 1.2: the refusal comes within the handshake. Under TLS 1.3 nats.js sees it only
        // as a server that never answers (the start-up deadline, 30 s, with a hint in the line).
        const result = await startExpectingFailure({
          ...nodeEnv(nats, { PULSE_NATS_TLS_CA_FILE: ca.cert, ...certificate, ...secrets }),
          NODE_OPTIONS: '--tls-max-v1.2',
        });
        expectOneLine(result, /NATS at .* refused this node: .*certificate/i);
        expect(result.stderr).not.toContain(PASSWORD);
      }
    }, 60_000);
  });

  describe('an operator and a credentials file', () => {
    let operator: NatsOperator;
    let nats: NatsCluster;
    beforeAll(async () => {
      operator = await NatsOperator.create(dir, 'pulse-test-operator');
      nats = await NatsCluster.start({
        size: 1,
        configLines: operator.configLines,
        clientOptions: { authenticator: credsAuthenticator(operator.creds) },
      });
    }, 60_000);

    it('serves LOG and QUERY with PULSE_NATS_CREDS_FILE', async () => {
      const node = await expectServes(
        nats,
        { PULSE_NATS_CREDS_FILE: operator.credsFile },
        'nats.creds.ok',
      );
      const seed = /SUA[A-Z0-9]+/.exec(Buffer.from(operator.creds).toString())?.[0];
      expect(seed).toBeDefined();
      expect(node.output).not.toContain(seed);
    }, 60_000);

    it('stops at start-up with no credentials or with those of another operator', async () => {
      const foreign = await NatsOperator.create(dir, 'another-operator');
      for (const security of [{}, { PULSE_NATS_CREDS_FILE: foreign.credsFile }] as Record<
        string,
        string
      >[]) {
        const result = await startExpectingFailure(nodeEnv(nats, security));
        expectOneLine(result, /NATS at .* refused this node: .*Authorization Violation/i);
      }
    }, 30_000);
  });
});
