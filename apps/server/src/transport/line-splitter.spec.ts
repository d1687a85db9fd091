import fc from 'fast-check';
import { LineSplitter, SplitResult } from './line-splitter';

function collect(splitter: LineSplitter, chunks: Buffer[], end = true) {
  const lines: string[] = [];
  const sink = (buf: Buffer, s: number, e: number) => {
    lines.push(buf.toString('latin1', s, e));
  };
  let verdict: SplitResult = 'more';
  for (const chunk of chunks) {
    verdict = splitter.push(chunk, sink);
    if (verdict === 'too-long') return { lines, verdict };
  }
  if (end) verdict = splitter.finish(sink);
  return { lines, verdict };
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('LineSplitter', () => {
  it('splits lines and strips \\n and \\r\\n', () => {
    expect(collect(new LineSplitter(100), [bytes('a\nb\r\n\nc\r\r\n')]).lines).toEqual([
      'a',
      'b',
      '',
      'c\r',
    ]);
  });

  it('reassembles a line split across chunks, down to single bytes', () => {
    const text = 'LOG cpu 1\r\nQUERY cpu AVG 60\n';
    const chunks = [...text].map((ch) => bytes(ch));
    expect(collect(new LineSplitter(100), chunks).lines).toEqual(['LOG cpu 1', 'QUERY cpu AVG 60']);
  });

  it('hands out a final line without \\n at the end of the stream', () => {
    expect(collect(new LineSplitter(100), [bytes('LOG a 1\nLOG a 2')]).lines).toEqual([
      'LOG a 1',
      'LOG a 2',
    ]);
    expect(collect(new LineSplitter(100), [bytes('LOG a 1\n')]).lines).toEqual(['LOG a 1']);
  });

  it('accepts a line of exactly the limit, with \\n or \\r\\n, even when the \\r arrives alone', () => {
    const line = 'x'.repeat(8);
    expect(collect(new LineSplitter(8), [bytes(`${line}\n`)]).lines).toEqual([line]);
    expect(collect(new LineSplitter(8), [bytes(`${line}\r`), bytes('\n')]).lines).toEqual([line]);
  });

  it('reports a line over the limit as soon as the limit is passed, before its \\n', () => {
    const splitter = new LineSplitter(8);
    expect(splitter.push(bytes('ok\n123456'), () => undefined)).toBe('more');
    expect(splitter.push(bytes('789'), () => undefined)).toBe('too-long');
    expect(collect(new LineSplitter(8), [bytes('123456789\n')]).verdict).toBe('too-long');
    expect(collect(new LineSplitter(8), [bytes('123456789')], true).verdict).toBe('too-long');
  });

  it('stops when the sink asks and resumes with the rest', () => {
    const splitter = new LineSplitter(100);
    const seen: string[] = [];
    const sink = (b: Buffer, s: number, e: number) => {
      seen.push(b.toString('latin1', s, e));
      return seen.length % 2 === 1 ? false : undefined;
    };
    expect(splitter.push(bytes('1\n2\n3\n4'), sink)).toBe('stopped');
    expect(splitter.hasUnread).toBe(true);
    expect(splitter.push(bytes('\n5\n'), sink)).toBe('stopped');
    while (splitter.hasUnread) splitter.resume(sink);
    expect(seen).toEqual(['1', '2', '3', '4', '5']);
  });

  it('gives the same lines for any chunking of any byte stream', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(300), { maxLength: 20 }),
        (data, cuts) => {
          const buf = Buffer.from(data);
          const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let prev = 0;
          for (const p of [...points, buf.length]) {
            chunks.push(buf.subarray(prev, p));
            prev = p;
          }
          const whole = collect(new LineSplitter(1000), [buf]);
          const pieces = collect(new LineSplitter(1000), chunks);
          expect(pieces).toEqual(whole);
          const expected = buf.toString('latin1').split('\n');
          if (expected[expected.length - 1] === '') expected.pop();
          const stripped = expected.map((l, i) =>
            i < expected.length - 1 || buf[buf.length - 1] === 10 || l.endsWith('\r')
              ? l.replace(/\r$/, '')
              : l,
          );
          expect(whole.lines).toEqual(stripped);
        },
      ),
    );
  });
});
