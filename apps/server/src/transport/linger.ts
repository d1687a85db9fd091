import { Socket } from 'node:net';

/** How long a closed connection reads and discards, waiting for the client's FIN. */
export const LINGER_MS = 2_000;

const destroy = (socket: Socket): void => void socket.destroy();

/**
 * Sends FIN after what was written (and `text`, if given), then keeps reading and dropping what
 * the client still sends, so the kernel never answers a late byte with a reset, which could make
 * the client discard replies it has not read yet. Destroyed after LINGER_MS unless the client
 * closes first (both sides ended: Node destroys the socket itself).
 *
 * A client that already sent its FIN sends nothing more, and once every reply is handed to the
 * kernel our FIN follows at once and Node destroys the socket: no timer then. This is how most
 * connections end (a client closing after its last reply), and a timer holding each closed
 * socket for 2 s kept thousands of them alive under connection churn, for the old-space GC.
 */
export function endWithLinger(socket: Socket, text?: string): void {
  socket.setTimeout(0);
  if (text === undefined) socket.end();
  else socket.end(text);
  if (socket.readableEnded && socket.writableLength === 0) return;
  socket.resume();
  setTimeout(destroy, LINGER_MS, socket).unref();
}
