import { Socket } from 'node:net';
import { Replies } from '@app/protocol';
import { endWithLinger } from './linger';

const BUSY_LINE = `${Replies.busy}\n`;

/**
 * Over the connection limit (PROTOCOL.md): the 503 line at once, as soon as the connection is
 * accepted and without waiting for a command, then FIN with a linger that drops what the client
 * sends. Nothing is parsed and no slot is held: a flood of such connections costs the server a
 * few microseconds each, and each is gone within the linger even if the client never reads.
 */
export function refuseBusy(socket: Socket): void {
  socket.on('error', () => socket.destroy()); // a reset from the client is no concern of ours
  socket.setNoDelay(true);
  endWithLinger(socket, BUSY_LINE);
}
