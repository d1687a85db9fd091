import { Socket, connect } from 'node:net';

/**
 * A reusable Pulse line client: one TCP connection, commands sent in order, each promise settled
 * with its reply line (replies come back in order, so a FIFO of waiters suffices).
 */
export class LineClient {
  private readonly waiters: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private buffered = '';
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(text));
    socket.on('close', () => this.failAll(new Error('connection closed by the server')));
    socket.on('error', (error) => this.failAll(error));
  }

  static connect(host: string, port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LineClient(socket));
      });
      socket.once('error', reject);
    });
  }

  send(command: string): Promise<string> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.socket.write(`${command}\n`);
    });
  }

  close(): void {
    this.socket.end();
  }

  private onData(text: string): void {
    this.buffered += text;
    let nl = this.buffered.indexOf('\n');
    while (nl !== -1) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.waiters.shift()?.resolve(line);
      nl = this.buffered.indexOf('\n');
    }
  }

  private failAll(error: Error): void {
    this.closedError ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
