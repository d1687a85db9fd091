import fc from 'fast-check';
import { tokenizeLine } from './command-line';

/** Tokenizes every '\n'-terminated line of `chunk`, as the connection does with a read. */
function tokenizeAll(chunk: Buffer): (string[] | undefined)[] {
  const out: (string[] | undefined)[] = [];
  for (
    let start = 0, nl = chunk.indexOf(10);
    nl !== -1;
    start = nl + 1, nl = chunk.indexOf(10, start)
  ) {
    out.push(tokenizeLine(chunk, start, nl));
  }
  return out;
}

describe('tokenizeLine', () => {
  it('cuts the tokens of each line out of a whole ASCII read', () => {
    const chunk = Buffer.from('LOG cpu 1\n  QUERY\tcpu AVG 60 \n\nNEW-ALERT a MAX 1 2\n');
    expect(tokenizeAll(chunk)).toEqual([
      ['LOG', 'cpu', '1'],
      ['QUERY', 'cpu', 'AVG', '60'],
      [],
      ['NEW-ALERT', 'a', 'MAX', '1', '2'],
    ]);
  });

  it('decodes UTF-8 lines of a read that is not all ASCII, and rejects invalid ones', () => {
    const chunk = Buffer.concat([
      Buffer.from('LOG cpu 1\nLOG caf\u00e9 2\n', 'utf8'),
      Buffer.from([0x4c, 0x4f, 0x47, 0x20, 0xff, 0x0a]), // "LOG \xff\n": not UTF-8
      Buffer.from('LOG mem 3\n'),
    ]);
    expect(tokenizeAll(chunk)).toEqual([
      ['LOG', 'cpu', '1'],
      ['LOG', 'caf\u00e9', '2'],
      undefined,
      ['LOG', 'mem', '3'],
    ]);
  });

  it('gives the same tokens whether a line is read alone or inside a larger read', () => {
    const line = fc.string({
      unit: fc.constantFrom('L', 'O', 'G', ' ', '\t', '1', '.', 'x'),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const whole = tokenizeAll(Buffer.from(lines.map((l) => `${l}\n`).join('')));
        const alone = lines.map((l) => tokenizeAll(Buffer.from(`${l}\n`))[0]);
        expect(whole).toEqual(alone);
      }),
    );
  });
});
