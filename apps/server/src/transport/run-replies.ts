import { Replies } from '@app/protocol';

/** `500 Internal Server Error` for each of `count` commands. */
export function internalErrors(count: number): string[] {
  return new Array<string>(count).fill(Replies.internalError);
}

/**
 * What a handler returned, if it is one reply line per command; otherwise a 500 for each, since a
 * reply list of the wrong length would shift every later reply of the connection onto the wrong
 * command.
 */
export function repliesFor(result: unknown, count: number): readonly string[] {
  return Array.isArray(result) && result.length === count
    ? (result as string[])
    : internalErrors(count);
}
