/**
 * A reader that stops reading is a normal end for a command-line program
 * (`pulse-client send QUERY ... | head -c 100`, `pulse-client load | head -5`): the next write
 * to its pipe fails with EPIPE, which Node raises as an 'error' event and, unhandled, as a crash
 * with a stack trace. Ends the client quietly with exit 0 instead: nobody is left to read a
 * message. Any other error on an output stream is still thrown.
 */
export function endQuietlyWhenOutputCloses(
  exit: (code: number) => void = (code) => process.exit(code),
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      exit(0);
    });
  }
}
