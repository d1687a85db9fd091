import { asciiText } from './chunk-text';

const LF = 10;
const CR = 13;

/** Receives each complete line: bytes [start, end) of `buf`, without its `\n` or `\r\n`. */
export type LineSink = (buf: Buffer, start: number, end: number) => boolean | void;

export type SplitResult = 'more' | 'stopped' | 'too-long';

/**
 * Cuts a TCP byte stream into lines (pure: no sockets). Bytes of an unfinished line are kept
 * until its `\n` arrives. A line longer than `maxLineBytes` (not counting `\r\n`) is reported as
 * soon as the limit is passed, even before its `\n` arrives.
 *
 * The sink may return `false` to stop early (back-pressure); the unread rest of the chunk is kept
 * and handed out by the next `resume()`.
 */
export class LineSplitter {
  private partial: Buffer | undefined;
  private rest: Buffer | undefined;

  constructor(private readonly maxLineBytes: number) {}

  /** True while bytes that were received have not been handed out as lines yet. */
  get hasUnread(): boolean {
    return this.rest !== undefined;
  }

  push(chunk: Buffer, sink: LineSink): SplitResult {
    if (this.rest) {
      this.rest = Buffer.concat([this.rest, chunk]);
      return 'stopped';
    }
    return this.split(chunk, sink);
  }

  resume(sink: LineSink): SplitResult {
    const rest = this.rest;
    if (!rest) return 'more';
    this.rest = undefined;
    return this.split(rest, sink);
  }

  /** At end of stream: the final line without `\n`, if any (an empty one counts as none). */
  finish(sink: LineSink): SplitResult {
    const partial = this.partial;
    this.partial = undefined;
    if (!partial || partial.length === 0) return 'more';
    const end = partial[partial.length - 1] === CR ? partial.length - 1 : partial.length;
    if (end > this.maxLineBytes) return 'too-long';
    sink(partial, 0, end);
    return 'more';
  }

  private split(chunk: Buffer, sink: LineSink): SplitResult {
    const text = asciiText(chunk);
    const next = (from: number) =>
      text !== undefined ? text.indexOf('\n', from) : chunk.indexOf(LF, from);
    let start = 0;
    let nl = next(0);
    if (this.partial && nl !== -1) {
      const line = Buffer.concat([this.partial, chunk.subarray(0, nl)]);
      this.partial = undefined;
      const verdict = this.emit(line, 0, line.length, sink);
      if (verdict !== 'more') return this.stop(verdict, chunk, nl + 1);
      start = nl + 1;
      nl = next(start);
    }
    while (nl !== -1) {
      const verdict = this.emit(chunk, start, nl, sink);
      if (verdict !== 'more') return this.stop(verdict, chunk, nl + 1);
      start = nl + 1;
      nl = next(start);
    }
    return this.keepPartial(chunk, start);
  }

  private emit(buf: Buffer, start: number, nl: number, sink: LineSink): SplitResult {
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    if (end - start > this.maxLineBytes) return 'too-long';
    return sink(buf, start, end) === false ? 'stopped' : 'more';
  }

  private stop(verdict: SplitResult, chunk: Buffer, next: number): SplitResult {
    if (verdict === 'stopped' && next < chunk.length) this.rest = chunk.subarray(next);
    return verdict;
  }

  private keepPartial(chunk: Buffer, start: number): SplitResult {
    if (start >= chunk.length) return 'more';
    const tail = chunk.subarray(start);
    this.partial = this.partial ? Buffer.concat([this.partial, tail]) : Buffer.from(tail);
    // One byte of slack: a trailing `\r` may be the first half of the line's `\r\n`.
    const slack = this.partial[this.partial.length - 1] === CR ? 1 : 0;
    if (this.partial.length - slack > this.maxLineBytes) {
      this.partial = undefined;
      return 'too-long';
    }
    return 'more';
  }
}
