import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertJournalEntry } from '../alerts/alert-evaluation';
import { AlertmanagerEndpoint, WebhookEndpoint } from './notification-endpoints';

interface Posted {
  path: string;
  body: unknown;
}

/** A local HTTP server that records every POST and answers `status`. */
async function receiver(status = 200): Promise<{ url: string; posts: Posted[]; server: Server }> {
  const posts: Posted[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      posts.push({ path: request.url ?? '', body: JSON.parse(body) as unknown });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, server };
}

const entry = (id: string, state: 'firing' | 'resolved'): AlertJournalEntry => ({
  time: '2026-12-03T10:00:05.000Z',
  state,
  id,
  op: 'MAX',
  secs: 60,
  limit: 5,
  from: '2026-12-03T10:00:00.000Z',
  to: '2026-12-03T10:00:04.000Z',
  aggregates: state === 'firing' ? [7.5] : [],
});

type Sent = { labels: Record<string, string>; startsAt?: string; endsAt: string };

describe('AlertmanagerEndpoint', () => {
  let target: Awaited<ReturnType<typeof receiver>>;
  /** The node's ownership of each metric's rules, changed by the tests. */
  const ownership = new Map<string, number | undefined>();
  const scope = { instance: 'pulse-test', ownership: (id: string) => ownership.get(id) };
  const signal = new AbortController().signal;

  beforeEach(async () => {
    target = await receiver();
    ownership.clear();
  });
  afterEach(() => target.server.close());

  const sentMetrics = (post: Posted) => (post.body as Sent[]).map((a) => a.labels.metric);

  it('posts to /api/v2/alerts with labels that identify the rule, firing until endsAt', async () => {
    ownership.set('cpu', 0);
    const endpoint = new AlertmanagerEndpoint(`${target.url}/`, scope, 240_000);
    await endpoint.send([entry('cpu', 'firing')], signal);
    expect(target.posts).toHaveLength(1);
    expect(target.posts[0].path).toBe('/api/v2/alerts');
    const [alert] = target.posts[0].body as Sent[];
    expect(alert.labels).toEqual({
      alertname: 'PulseAlert',
      metric: 'cpu',
      op: 'MAX',
      secs: '60',
      limit: '5',
      instance: 'pulse-test',
    });
    expect(alert.startsAt).toBe('2026-12-03T10:00:00.000Z');
    expect(Date.parse(alert.endsAt)).toBe(Date.parse('2026-12-03T10:00:05.000Z') + 240_000);
    await endpoint.send([entry('cpu', 'resolved')], signal);
    const [resolved] = target.posts[1].body as Sent[];
    expect(resolved.startsAt).toBeUndefined();
    expect(resolved.endsAt).toBe('2026-12-03T10:00:05.000Z');
  });

  it('re-sends a firing alert only while the ownership it was sent under lasts', async () => {
    ownership.set('a', 1).set('b', 1).set('c', 1);
    const endpoint = new AlertmanagerEndpoint(target.url, scope, 240_000);
    await endpoint.send([entry('a', 'firing'), entry('b', 'firing'), entry('c', 'firing')], signal);
    await endpoint.resend(signal);
    expect(sentMetrics(target.posts[1])).toEqual(['a', 'b', 'c']);

    ownership.set('b', undefined); // handed over
    ownership.set('c', 2); // lost and taken back since: another node may have resolved it
    await endpoint.resend(signal);
    expect(sentMetrics(target.posts[2])).toEqual(['a']);

    ownership.set('b', 1); // even the same number again: b was dropped, not revived
    await endpoint.resend(signal);
    expect(sentMetrics(target.posts[3])).toEqual(['a']);
  });

  it('re-sends nothing once a rule is resolved, or if it fired while not owned here', async () => {
    ownership.set('a', 0);
    const endpoint = new AlertmanagerEndpoint(target.url, scope, 240_000);
    await endpoint.send([entry('a', 'firing'), entry('b', 'firing')], signal);
    await endpoint.send([entry('a', 'resolved')], signal);
    await endpoint.resend(signal);
    expect(target.posts).toHaveLength(2);
  });

  it('throws on an answer other than 2xx, so the deliverer retries', async () => {
    const refusing = await receiver(503);
    try {
      const endpoint = new AlertmanagerEndpoint(refusing.url, scope, 240_000);
      await expect(endpoint.send([entry('a', 'firing')], signal)).rejects.toThrow(/answered 503/);
    } finally {
      refusing.server.close();
    }
  });
});

describe('WebhookEndpoint', () => {
  it('posts one journal line as it is', async () => {
    const target = await receiver(204);
    try {
      const line = entry('disk', 'firing');
      await new WebhookEndpoint(`${target.url}/hook`).send([line], new AbortController().signal);
      expect(target.posts).toEqual([{ path: '/hook', body: line }]);
    } finally {
      target.server.close();
    }
  });
});
