/**
 * Where a LineConnection is in its life; one value instead of a flag per concern.
 *
 * - `reading`: the socket flows; each line read is executed.
 * - `paused`: back-pressure (the window of commands in flight is full, or the client does not read
 *   its replies); the socket is paused and the rest of the last read is kept. Back to `reading`
 *   once half the window is free, the write buffer drained and that rest handed out.
 * - `finishing`: the client sent FIN. What was read is still handed out, its final line without
 *   `\n` last; then `closing`.
 * - `draining`: the server is shutting down. Nothing more is read from the socket; lines already
 *   read are handed out and answered. The server then calls close(): `closing`.
 * - `closing`: nothing more is executed (a too-long line, the idle timeout, the end of the input,
 *   or close() after draining); bytes still arriving are dropped; FIN once every reply is written.
 * - `lingering`: FIN sent; reading and dropping until the client closes too, or the linger ends.
 * - `closed`: the socket is gone; replies of runs still executing are dropped.
 */
export type ConnectionState =
  'reading' | 'paused' | 'finishing' | 'draining' | 'closing' | 'lingering' | 'closed';

/** Whether lines already read are still handed out for execution in `state`. */
export function handsOutLines(state: ConnectionState): boolean {
  return state === 'reading' || state === 'paused' || state === 'finishing' || state === 'draining';
}
