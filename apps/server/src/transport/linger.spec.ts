import { jest } from '@jest/globals';
import { once } from 'node:events';
import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';
import { LINGER_MS, endWithLinger } from './linger';

describe('endWithLinger', () => {
  let listener: Server;
  let accepted: Promise<Socket>;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    let onAccept: (s: Socket) => void = () => undefined;
    accepted = new Promise((resolve) => (onAccept = resolve));
    listener = createServer({ allowHalfOpen: true }, (s) => onAccept(s));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    sockets.splice(0).forEach((s) => s.destroy());
    await new Promise((resolve) => listener.close(resolve));
  });

  async function pair(): Promise<[Socket, Socket]> {
    const port = (listener.address() as AddressInfo).port;
    const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    sockets.push(client);
    const server = await accepted;
    sockets.push(server);
    server.on('data', () => undefined);
    return [client, server];
  }

  const lingerTimers = (spy: jest.SpiedFunction<typeof setTimeout>) =>
    spy.mock.calls.filter((call) => call[1] === LINGER_MS).length;

  it('lingers, reading and dropping, while the client may still send', async () => {
    const [client, server] = await pair();
    const spy = jest.spyOn(global, 'setTimeout');
    endWithLinger(server, 'bye\n');
    expect(lingerTimers(spy)).toBe(1);
    client.setEncoding('latin1');
    let text = '';
    client.on('data', (t: string) => (text += t));
    await once(client, 'end');
    client.end('late line\n'); // read and dropped: no reset, the reply was delivered
    await once(client, 'close');
    expect(text).toBe('bye\n');
  });

  it('sets no timer once the client sent its FIN and every reply is out: Node closes at once', async () => {
    const [client, server] = await pair();
    client.setEncoding('latin1');
    let text = '';
    client.on('data', (t: string) => (text += t));
    client.end();
    await once(server, 'end');
    const spy = jest.spyOn(global, 'setTimeout');
    endWithLinger(server, 'bye\n');
    expect(lingerTimers(spy)).toBe(0);
    await Promise.all([once(server, 'close'), once(client, 'end')]);
    expect(text).toBe('bye\n');
  });
});
