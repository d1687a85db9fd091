import { Replies } from '@app/protocol';
import { ConnectionLostError } from '../connection/connection-lost.error';
import { ManualConnection, ManualSession } from './manual-session';

/** Answers from a table, in order; can be made to drop like a server closing an idle connection. */
class FakeManualConnection implements ManualConnection {
  isClosed = false;
  readonly sent: string[] = [];
  private listener: ((error: Error | undefined) => void) | undefined;

  constructor(private readonly answer: (command: string) => string) {}

  async send(command: string): Promise<string> {
    if (this.isClosed) throw new ConnectionLostError('connection closed by the server');
    this.sent.push(command);
    await new Promise((resolve) => setTimeout(resolve, command.includes('slow') ? 20 : 0));
    return this.answer(command);
  }

  onClose(listener: (error: Error | undefined) => void): void {
    this.listener = listener;
  }

  async close(): Promise<void> {
    this.drop();
  }

  drop(): void {
    this.isClosed = true;
    this.listener?.(undefined);
  }
}

function setup(answer = (command: string) => `ok ${command}`) {
  const connections: FakeManualConnection[] = [];
  let out = '';
  let err = '';
  const session = new ManualSession({
    connect: async () => {
      const connection = new FakeManualConnection(answer);
      connections.push(connection);
      return connection;
    },
    print: (text) => (out += text),
    notice: (text) => (err += text),
    chart: { height: 4, width: 40 },
    zone: 'UTC',
    now: () => Date.UTC(2026, 0, 2, 10, 0, 0),
  });
  return { session, connections, out: () => out, err: () => err };
}

describe('ManualSession', () => {
  it('sends each line as typed and prints the replies in input order', async () => {
    const { session, connections, out } = setup();
    await session.start();
    void session.handle('QUERY slow AVG 1');
    void session.handle('LOG  a\t1');
    await session.finish();
    expect(connections[0].sent).toEqual(['QUERY slow AVG 1', 'LOG  a\t1']);
    expect(out()).toBe('ok QUERY slow AVG 1\nok LOG  a\t1\n');
    expect(connections[0].isClosed).toBe(true);
  });

  it('skips blank lines', async () => {
    const { session, connections } = setup();
    await session.start();
    await session.handle('   ');
    expect(connections[0].sent).toEqual([]);
  });

  it('draws `chart ...` lines, and prints a failed query as it is', async () => {
    const { session, connections, out, err } = setup((command) =>
      command.startsWith('QUERY cpu') ? '200 [1.0, 3.0, 2.0]' : Replies.metricNotFound,
    );
    await session.start();
    await session.handle('chart cpu MAX 60');
    await session.handle('chart nope MAX 60');
    await session.handle('chart cpu');
    expect(connections[0].sent).toEqual(['QUERY cpu MAX 60', 'QUERY nope MAX 60']);
    expect(out()).toContain('QUERY cpu MAX 60: 3 windows, min 1, max 3, oldest on the left\n');
    expect(out()).toContain('┤');
    expect(out().endsWith(`${Replies.metricNotFound}\n`)).toBe(true);
    expect(err()).toBe('usage: chart <id> <op> <secs> [from] [to]\n');
  });

  it('reopens a connection the server closed, at the next command', async () => {
    const { session, connections, out, err } = setup();
    await session.start();
    connections[0].drop();
    expect(err()).toBe('connection closed; it is reopened at the next command\n');
    await session.handle('LOG a 1');
    expect(connections).toHaveLength(2);
    expect(out()).toBe('ok LOG a 1\n');
    expect(session.failed).toBe(0);
  });

  it('reports a command whose reply never came and counts it as failed', async () => {
    const { session, connections, err } = setup();
    await session.start();
    connections[0].send = () => Promise.reject(new ConnectionLostError('connection closed: boom'));
    await session.handle('LOG a 1');
    expect(err()).toBe('error: connection closed: boom\n');
    expect(session.failed).toBe(1);
  });
});
